using System.Net;
using System.Text.Json;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Notifications;

namespace Parley.IntegrationTests.Notifications;

/// <summary>
/// Web Push end to end: the server's pushes reach a push service started here, which checks their VAPID signature and
/// decrypts them with the browser's key, as a real browser's push service and browser would.
/// </summary>
public abstract class PushNotificationTests(ParleyApp app)
{
    private const string Subscriptions = "/api/v1/notifications/push-subscriptions";

    private static string LevelOf(long conversationId) => $"/api/v1/conversations/{conversationId}/notifications";

    private async Task<PushService> PushServiceAsync(Actor anyone) =>
        await PushService.StartAsync((await anyone.GetOkAsync<PushKeyDto>("/api/v1/notifications/push-key")).PublicKey);

    private static async Task<PushBrowser> SubscribeAsync(PushService service, Actor actor)
    {
        var browser = service.NewBrowser();
        await (await actor.PostAsync(Subscriptions, browser.Subscription)).ShouldBe(HttpStatusCode.Created);
        return browser;
    }

    [Fact]
    public async Task A_direct_message_a_mention_and_a_thread_reply_arrive_signed_and_encrypted()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        await using var service = await PushServiceAsync(alice);
        var bobsBrowser = await SubscribeAsync(service, bob);
        var channel = await alice.CreateChannelAsync($"plans-{Guid.NewGuid():N}"[..12], "private", bob);
        var direct = await alice.OpenDirectAsync(bob);

        await alice.SendAsync(channel.Id, "A plain channel message: no push for it");
        await bob.SendAsync(direct.Id, "Bob's own message: never pushed to Bob");
        var sent = await alice.SendAsync(direct.Id, "Lunch   at\nnoon?");
        var push = await bobsBrowser.NextAsync();
        Assert.Equal(("direct", direct.Id, sent.Seq, "Alice", "Lunch at noon?"), (push.Reason, push.ConversationId, push.Seq, push.Sender, push.Preview));
        Assert.Equal(JsonValueKind.Null, push.Payload.GetProperty("conversation").ValueKind);
        Assert.Equal(bobsBrowser.Endpoint.GetLeftPart(UriPartial.Authority), push.Audience);        // the push service's origin
        Assert.InRange(push.Expires, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(24));
        Assert.StartsWith("mailto:", push.Subject);
        Assert.Equal("high", push.Urgency);
        Assert.True(int.Parse(push.Ttl) > 0);

        var mention = await alice.SendAsync(channel.Id, $"@{bob.Handle} can you look at the budget?");
        push = await bobsBrowser.NextAsync();
        Assert.Equal(("mention", channel.Id, mention.Seq), (push.Reason, push.ConversationId, push.Seq));
        Assert.Equal(channel.Name, push.Payload.GetProperty("conversation").GetString());

        var root = await bob.SendAsync(channel.Id, "Draft of the budget in this thread");
        var reply = await alice.SendAsync(channel.Id, "Looks good to me", threadRootId: root.Id);
        push = await bobsBrowser.NextAsync();
        Assert.Equal(("reply", reply.Seq, root.Id), (push.Reason, push.Seq, push.Payload.GetProperty("threadRootId").GetInt64()));
        Assert.Empty(bobsBrowser.Failures);
    }

    [Fact]
    public async Task Muted_conversations_push_nothing_and_mentions_only_pushes_mentions_alone()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        await using var service = await PushServiceAsync(alice);
        var bobsBrowser = await SubscribeAsync(service, bob);
        var channel = await alice.CreateChannelAsync($"ops-{Guid.NewGuid():N}"[..12], "private", bob);
        var direct = await alice.OpenDirectAsync(bob);

        Assert.Equal("all", (await bob.ConversationAsync(direct.Id)).Notifications);
        var muted = await (await bob.PutAsync(LevelOf(direct.Id), new { level = "muted" })).ReadAsync<NotificationPreferenceDto>(HttpStatusCode.OK);
        Assert.Equal("muted", muted.Level);
        Assert.Equal("muted", (await bob.ConversationAsync(direct.Id)).Notifications);
        Assert.Equal("muted", (await bob.GetOkAsync<NotificationPreferenceDto>(LevelOf(direct.Id))).Level);
        Assert.Equal("all", (await alice.ConversationAsync(direct.Id)).Notifications);     // Alice's choice is her own
        await (await bob.PutAsync(LevelOf(channel.Id), new { level = "mentions" })).ShouldBe(HttpStatusCode.OK);

        await alice.SendAsync(direct.Id, "Muted: no push");
        var root = await bob.SendAsync(channel.Id, "A thread of Bob's");
        await alice.SendAsync(channel.Id, "A reply, but Bob wants mentions only", threadRootId: root.Id);
        var mention = await alice.SendAsync(channel.Id, $"@{bob.Handle} this one reaches you");
        // Pushes leave in the order of the messages: the first to arrive is the mention, so the others sent none.
        var push = await bobsBrowser.NextAsync();
        Assert.Equal(("mention", mention.Seq), (push.Reason, push.Seq));

        await (await bob.PutAsync(LevelOf(direct.Id), new { level = "all" })).ShouldBe(HttpStatusCode.OK);
        var unmuted = await alice.SendAsync(direct.Id, "Heard again");
        Assert.Equal(unmuted.Seq, (await bobsBrowser.NextAsync()).Seq);
    }

    [Fact]
    public async Task A_subscription_the_push_service_calls_gone_is_removed()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        await using var service = await PushServiceAsync(alice);
        var bobsBrowser = await SubscribeAsync(service, bob);
        var carolsBrowser = await SubscribeAsync(service, carol);
        bobsBrowser.Gone = true;

        await alice.SendAsync((await alice.OpenDirectAsync(bob)).Id, "To a browser that unsubscribed");
        await bobsBrowser.NextAsync();                                    // answered 410
        await alice.SendAsync((await alice.OpenDirectAsync(carol)).Id, "After it");
        await carolsBrowser.NextAsync();                                  // the next message's pushes: the 410 was handled before

        await (await bob.GetAsync($"{Subscriptions}/current")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.False(await app.WithDbAsync(db => Task.FromResult(db.PushSubscriptions.Any(s => s.UserId == bob.Id))));
        await (await carol.GetAsync($"{Subscriptions}/current")).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_subscription_belongs_to_its_session_and_ends_with_it()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var bobsPhone = await app.SignInAgainAsync(bob, "phone");
        await using var service = await PushServiceAsync(alice);
        var laptop = await SubscribeAsync(service, bob);
        var phone = await SubscribeAsync(service, bobsPhone);

        Assert.Equal(laptop.Endpoint.AbsoluteUri, (await bob.GetOkAsync<PushSubscriptionDto>($"{Subscriptions}/current")).Endpoint);
        Assert.Equal(phone.Endpoint.AbsoluteUri, (await bobsPhone.GetOkAsync<PushSubscriptionDto>($"{Subscriptions}/current")).Endpoint);

        var direct = await alice.OpenDirectAsync(bob);
        var first = await alice.SendAsync(direct.Id, "To both devices");
        Assert.Equal(first.Seq, (await laptop.NextAsync()).Seq);
        Assert.Equal(first.Seq, (await phone.NextAsync()).Seq);

        // The same browser registered again by another session (Alice signs in on Bob's old phone): it is hers alone now.
        await (await alice.PostAsync(Subscriptions, phone.Subscription)).ShouldBe(HttpStatusCode.Created);
        await (await bobsPhone.GetAsync($"{Subscriptions}/current")).ShouldBe(HttpStatusCode.NotFound);

        await (await bob.DeleteAsync($"{Subscriptions}/current")).ShouldBe(HttpStatusCode.NoContent);
        await (await bob.GetAsync($"{Subscriptions}/current")).ShouldBe(HttpStatusCode.NotFound);

        var again = await SubscribeAsync(service, bob);
        await (await bob.DeleteAsync("/api/v1/auth/sessions/current")).ShouldBe(HttpStatusCode.NoContent);
        Assert.False(await app.WithDbAsync(db => Task.FromResult(db.PushSubscriptions.Any(s => s.Endpoint == again.Endpoint.AbsoluteUri))));
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://push.example.com/abc")]
    [InlineData("https://user:secret@push.example.com/abc")]
    [InlineData("")]
    public async Task A_bad_endpoint_is_refused(string endpoint)
    {
        var org = await app.OrganizationAsync();
        var browser = new { endpoint, keys = new { p256dh = ValidP256dh(), auth = "AAAAAAAAAAAAAAAAAAAAAA" } };
        await (await org.Owner.PostAsync(Subscriptions, browser)).ShouldBeProblem(HttpStatusCode.BadRequest, "push-endpoint-invalid");
    }

    [Theory]
    [InlineData("BAAA", "AAAAAAAAAAAAAAAAAAAAAA")]                     // too short
    [InlineData(null, "AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("valid", "AAAA")]                                       // auth of 3 bytes
    [InlineData("valid", "not base64 !")]
    [InlineData("off-curve", "AAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Bad_keys_are_refused(string? p256dh, string auth)
    {
        var org = await app.OrganizationAsync();
        var key = p256dh switch
        {
            "valid" => ValidP256dh(),
            "off-curve" => "BA" + new string('A', 85),                      // 0x04 then zeros: (0, 0) is not on P-256
            _ => p256dh,
        };
        var body = new { endpoint = "https://push.example.com/send/abc", keys = new { p256dh = key, auth } };
        await (await org.Owner.PostAsync(Subscriptions, body)).ShouldBeProblem(HttpStatusCode.BadRequest, "push-keys-invalid");
    }

    [Fact]
    public async Task Levels_are_checked_and_need_membership()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync($"open-{Guid.NewGuid():N}"[..12]);
        await (await alice.PutAsync(LevelOf(channel.Id), new { level = "loud" })).ShouldBeProblem(HttpStatusCode.BadRequest, "notification-level-invalid");
        await (await alice.PutAsync(LevelOf(channel.Id), new { })).ShouldBeProblem(HttpStatusCode.BadRequest, "notification-level-invalid");
        await (await bob.PutAsync(LevelOf(channel.Id), new { level = "muted" })).ShouldBeProblem(HttpStatusCode.Forbidden, "not-a-member");
        await (await bob.GetAsync(LevelOf(channel.Id))).ShouldBeProblem(HttpStatusCode.Forbidden, "not-a-member");
        await (await bob.PutAsync(LevelOf(4_000_000_000), new { level = "muted" })).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    private static string ValidP256dh() => new PushBrowser(new Uri("https://push.example.com/")).P256dh;
}

public sealed class SqlitePushNotificationTests(SqliteApp app) : PushNotificationTests(app);

public sealed class PostgresPushNotificationTests : PushNotificationTests
{
    public PostgresPushNotificationTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
