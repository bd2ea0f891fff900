using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Conversations;

namespace Parley.IntegrationTests.Endpoints;

/// <summary>
/// Two organizations with something of every kind, and the callers that must be refused. Organization A (Alice owns it)
/// has a public channel, a private channel and a direct conversation between Alice and Bob, each with a message and an
/// attached file; Carol (member) and Erin (admin) are in neither the private channel nor the direct conversation; Gus is
/// a guest outside the public channel; Dave (admin, in both channels) is deactivated; one of Bob's sessions is revoked.
/// Organization B's owner has a channel of their own with a message, an unsent upload and a member.
/// </summary>
public sealed class CallerWorld
{
    private CallerWorld() { }

    public required Org A { get; init; }
    public required string RevokedToken { get; init; }
    public required string DeactivatedToken { get; init; }
    public required Target Public { get; init; }
    public required Target Private { get; init; }
    public required Target Direct { get; init; }

    /// <summary>Everything of A that no one outside may ever read: names, texts, file names, emails and ids.</summary>
    public required IReadOnlyList<string> Secrets { get; init; }

    /// <summary>Per target of A, what nobody outside its conversation may read.</summary>
    public required IReadOnlyDictionary<Target, string[]> ConversationSecrets { get; init; }

    /// <summary>Callers of A who are outside some of A's conversations, each with a target of their own.</summary>
    public required IReadOnlyList<(Actor Caller, string Role, Target Own, Target[] Outside)> Insiders { get; init; }

    public required Org B { get; init; }
    public required Target OwnOfB { get; init; }

    public IEnumerable<Target> TargetsOfA => [Public, Private, Direct];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ParleyApp, Lazy<Task<CallerWorld>>> Worlds = new();

    /// <summary>
    /// The world of this server, made once: the tests that use it only read it, and each proves that organization A
    /// did not change while it ran.
    /// </summary>
    public static Task<CallerWorld> OfAsync(ParleyApp app) => Worlds.GetOrAdd(app, a => new Lazy<Task<CallerWorld>>(() => CreateAsync(a))).Value;

    private static async Task<CallerWorld> CreateAsync(ParleyApp app)
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var a = await app.OrganizationAsync();
        var alice = a.Owner;
        var bob = await a.MemberAsync("Bob");
        var carol = await a.MemberAsync("Carol");
        var erin = await a.MemberAsync("Erin", "admin");
        var gus = await a.MemberAsync("Gus", "guest");
        var dave = await a.MemberAsync("Dave", "admin");
        var bobSession = (await bob.MeAsync()).SessionId;

        var secrets = new List<string> { a.Id.ToString(), a.Domain, alice.Id.ToString(), bob.Id.ToString(), bobSession.ToString() };
        var conversationSecrets = new Dictionary<Target, string[]>();
        async Task<Target> FillAsync(string name, ConversationDto conversation)
        {
            var text = $"the {name} secret {tag}";
            var file = await alice.UploadOkAsync(conversation.Id, System.Text.Encoding.UTF8.GetBytes(text), $"{name}-plan-{tag}.txt");
            var sent = await alice.SendWithFilesAsync(conversation.Id, text, file.Id);
            var message = await sent.ReadAsync<Parley.Server.Features.Messages.MessageDto>(HttpStatusCode.Created);
            var target = new Target($"A's {name}", conversation.Id, message.Id, bob.Id, file.Id, bobSession);
            string[] own = [text, file.FileName, file.Id.ToString(), .. conversation.Name is { } n ? [n] : Array.Empty<string>()];
            conversationSecrets[target] = own;
            secrets.AddRange(own);
            return target;
        }
        var @public = await FillAsync("public channel", await alice.CreateChannelAsync($"pub-{tag}", "public", bob, dave));
        var @private = await FillAsync("private channel", await alice.CreateChannelAsync($"priv-{tag}", "private", bob, dave));
        var direct = await FillAsync("direct conversation", await alice.OpenDirectAsync(bob));

        var guestRoom = await alice.CreateChannelAsync($"guests-{tag}", "private", gus);
        var insiders = new List<(Actor, string, Target, Target[])>
        {
            (carol, "member", await OwnTargetAsync(carol, (await carol.CreateChannelAsync($"carol-{tag}", "public")).Id, bob.Id), [@private, direct]),
            (erin, "admin", await OwnTargetAsync(erin, (await erin.CreateChannelAsync($"erin-{tag}", "public")).Id, bob.Id), [@private, direct]),
            (gus, "guest", await OwnTargetAsync(gus, guestRoom.Id, alice.Id), [@public]),
        };

        var revoked = await app.SignInAgainAsync(bob, "old phone");
        await (await revoked.DeleteAsync("/api/v1/auth/sessions/current")).ShouldBe(HttpStatusCode.NoContent);
        await (await alice.PostAsync($"/api/v1/users/{dave.Id}/deactivate")).ShouldBe(HttpStatusCode.OK);

        var b = await app.OrganizationAsync();
        var bert = await b.MemberAsync("Bert");
        var channelOfB = await b.Owner.CreateChannelAsync($"b-{tag}", "public", bert);

        return new CallerWorld
        {
            A = a,
            RevokedToken = revoked.Token,
            DeactivatedToken = dave.Token,
            Public = @public,
            Private = @private,
            Direct = direct,
            Secrets = secrets,
            ConversationSecrets = conversationSecrets,
            Insiders = insiders,
            B = b,
            OwnOfB = await OwnTargetAsync(b.Owner, channelOfB.Id, bert.Id),
        };
    }

    /// <summary>A target whose ids are all the caller's own: a message they sent and an upload they have not sent yet.</summary>
    private static async Task<Target> OwnTargetAsync(Actor caller, long conversationId, Guid user)
    {
        var message = await caller.SendAsync(conversationId, "my own message");
        var file = await caller.UploadOkAsync(conversationId, "my own file"u8.ToArray());
        return new Target($"{caller.Name}'s own", conversationId, message.Id, user, file.Id, (await caller.MeAsync()).SessionId);
    }
}
