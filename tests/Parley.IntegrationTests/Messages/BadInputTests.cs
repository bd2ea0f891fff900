using System.Net;
using System.Text;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

public abstract class BadInputTests(ParleyApp app)
{
    [Fact]
    public async Task A_message_over_the_limit_is_refused_and_nothing_is_stored()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await alice.SendAsync(channel.Id, "first");
        await using var bobLive = await app.ConnectAsync(bob);

        var response = await alice.PostMessageAsync(channel.Id, new { content = new string('x', 4001), clientMessageId = Guid.NewGuid() });

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, "message-too-long");
        Assert.Equal(1, (await bob.ConversationAsync(channel.Id)).LastMessageSeq);
        await bobLive.AssertNoneAsync<MessageDto>(Created);
        var atTheLimit = await alice.SendAsync(channel.Id, new string('y', 4000));
        Assert.Equal(2, atTheLimit.Seq);
        Assert.Equal(2, (await bobLive.NextAsync<MessageDto>(Created)).Seq);
    }

    [Fact]
    public async Task An_empty_message_is_refused()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);

        var empty = await alice.PostMessageAsync(channel.Id, new { content = "", clientMessageId = Guid.NewGuid() });
        var blank = await alice.PostMessageAsync(channel.Id, new { content = " \n\t ", clientMessageId = Guid.NewGuid() });
        var missing = await alice.PostMessageAsync(channel.Id, new { clientMessageId = Guid.NewGuid() });

        await empty.ShouldBeProblem(HttpStatusCode.BadRequest, "message-empty");
        await blank.ShouldBeProblem(HttpStatusCode.BadRequest, "message-empty");
        await missing.ShouldBeProblem(HttpStatusCode.BadRequest, "message-empty");
        Assert.Equal(0, (await bob.ConversationAsync(channel.Id)).LastMessageSeq);
        await bobLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Theory]
    [InlineData("{\"content\": \"unterminated")]
    [InlineData("{\"content\": 42}")]
    [InlineData("[\"content\"]")]
    [InlineData("{\"content\": \"hi\", \"clientMessageId\": \"not-a-guid\"}")]
    public async Task Malformed_json_is_refused(string body)
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);

        var response = await alice.Http.PostAsync(MessagesOf(channel.Id), new StringContent(body, Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        Assert.Equal(0, (await bob.ConversationAsync(channel.Id)).LastMessageSeq);
        await bobLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task A_non_member_cannot_post_in_a_public_channel()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("general", "public");
        await using var aliceLive = await app.ConnectAsync(alice);

        var response = await bob.PostMessageAsync(channel.Id, new { content = "hi all", clientMessageId = Guid.NewGuid() });

        await response.ShouldBeProblem(HttpStatusCode.Forbidden, "not-a-member");
        Assert.Empty((await bob.PageAsync(channel.Id)).Messages);
        await aliceLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task An_outsider_gets_404_for_a_private_channel_and_its_messages()
    {
        var org = await app.OrganizationAsync();
        var (alice, mallory) = (org.Owner, await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private");
        var sent = await alice.SendAsync(channel.Id, "secret");
        await using var aliceLive = await app.ConnectAsync(alice);

        var responses = await SendEverywhereAsync(mallory, channel.Id, sent.Id);

        await ShouldAllBeNotFoundAsync(responses);
        var stored = (await alice.PageAsync(channel.Id)).Messages.Single();
        Assert.Equal(("secret", (DateTimeOffset?)null, false), (stored.Content, stored.EditedAt, stored.Deleted));
        Assert.Empty(stored.Reactions);
        Assert.Equal(1, (await alice.ConversationAsync(channel.Id)).LastMessageSeq);
        await aliceLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task A_user_of_another_organization_gets_404_everywhere_even_as_its_admin()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var mallory = (await app.OrganizationAsync()).Owner;
        var open = await alice.CreateChannelAsync("general", "public");
        var sent = await alice.SendAsync(open.Id, "internal only");
        await using var aliceLive = await app.ConnectAsync(alice);

        var responses = await SendEverywhereAsync(mallory, open.Id, sent.Id);
        var join = await mallory.PostAsync($"/api/v1/conversations/{open.Id}/join");

        await ShouldAllBeNotFoundAsync(responses.Append(("join", join)));
        var stored = (await alice.PageAsync(open.Id)).Messages.Single();
        Assert.Equal(("internal only", false), (stored.Content, stored.Deleted));
        Assert.Equal(1, (await alice.ConversationAsync(open.Id)).LastMessageSeq);
        await aliceLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task Unknown_conversations_and_messages_are_404()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("deals", "private");
        var sent = await alice.SendAsync(channel.Id, "hello");
        await using var aliceLive = await app.ConnectAsync(alice);

        var inUnknownConversation = await SendEverywhereAsync(alice, long.MaxValue, sent.Id);
        var unknownMessage = await MessageCallsAsync(alice, channel.Id, long.MaxValue);

        await ShouldAllBeNotFoundAsync(inUnknownConversation.Concat(unknownMessage));
        Assert.Equal(1, (await alice.ConversationAsync(channel.Id)).LastMessageSeq);
        await aliceLive.AssertNoneAsync<MessageDto>(Edited);
    }

    [Fact]
    public async Task An_anonymous_caller_is_unauthenticated()
    {
        var org = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("general", "public");
        using var anonymous = app.Http();
        await using var aliceLive = await app.ConnectAsync(org.Owner);

        var list = await anonymous.GetAsync(MessagesOf(channel.Id), TestContext.Current.CancellationToken);
        var send = await anonymous.PostAsync(MessagesOf(channel.Id), new StringContent("{\"content\":\"hi\"}", Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);

        await list.ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        await send.ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal(0, (await org.Owner.ConversationAsync(channel.Id)).LastMessageSeq);
        await aliceLive.AssertNoneAsync<MessageDto>(Created);
    }

    private static async Task ShouldAllBeNotFoundAsync(IEnumerable<(string Call, HttpResponseMessage Response)> responses)
    {
        foreach (var (call, response) in responses)
        {
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{call}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            await response.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        }
    }

    /// <summary>Every message operation, each named by what it tried.</summary>
    private static async Task<List<(string Call, HttpResponseMessage Response)>> SendEverywhereAsync(Actor actor, long conversationId, long messageId) =>
        [.. await ConversationCallsAsync(actor, conversationId), .. await MessageCallsAsync(actor, conversationId, messageId)];

    private static async Task<List<(string Call, HttpResponseMessage Response)>> ConversationCallsAsync(Actor actor, long conversationId) =>
    [
        ("list", await actor.GetAsync(MessagesOf(conversationId))),
        ("changes", await actor.GetAsync($"/api/v1/conversations/{conversationId}/changes?after=0")),
        ("send", await actor.PostMessageAsync(conversationId, new { content = "hi", clientMessageId = Guid.NewGuid() })),
    ];

    private static async Task<List<(string Call, HttpResponseMessage Response)>> MessageCallsAsync(Actor actor, long conversationId, long messageId)
    {
        var message = MessageAt(conversationId, messageId);
        return
        [
            ("edit", await actor.PatchAsync(message, new { content = "changed" })),
            ("delete", await actor.DeleteAsync(message)),
            ("replies", await actor.GetAsync($"{message}/replies")),
            ("versions", await actor.GetAsync($"{message}/versions")),
            ("react", await actor.PutAsync(ReactionAt(conversationId, messageId, "👍"))),
            ("unreact", await actor.DeleteAsync(ReactionAt(conversationId, messageId, "👍"))),
        ];
    }
}

public sealed class SqliteBadInputTests(SqliteApp app) : BadInputTests(app);

public sealed class PostgresBadInputTests : BadInputTests
{
    public PostgresBadInputTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
