using System.Net;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Notifications;

namespace Parley.Tests;

public class PushRulesTests
{
    private static readonly Guid Sender = Guid.NewGuid(), Bob = Guid.NewGuid(), Carol = Guid.NewGuid();

    private static MessageDto Message(IReadOnlyList<Guid>? mentions = null, long? threadRootId = null, bool everyone = false, string content = "hello") =>
        new(1, 10, 5, 7, Sender, content, null, threadRootId, 0, null, DateTimeOffset.UnixEpoch, null, null, false, null, mentions ?? [], everyone, [], []);

    private static Dictionary<Guid, PushReason> Recipients(MessageDto message, ConversationKind kind, params PushCandidate[] candidates) =>
        PushRules.Recipients(message, kind, candidates).ToDictionary(r => r.UserId, r => r.Reason);

    [Fact]
    public void A_plain_channel_message_pushes_nothing_and_the_sender_never_hears_their_own()
    {
        Assert.Empty(Recipients(Message(), ConversationKind.PublicChannel, new PushCandidate(Bob, NotificationLevel.All, false)));
        Assert.Empty(Recipients(Message(mentions: [Sender]), ConversationKind.Direct, new PushCandidate(Sender, NotificationLevel.All, true)));
    }

    [Fact]
    public void A_mention_outranks_the_other_reasons_and_passes_mentions_only()
    {
        var got = Recipients(Message(mentions: [Bob], threadRootId: 1), ConversationKind.Group,
            new(Bob, NotificationLevel.Mentions, true), new(Carol, NotificationLevel.Mentions, true));
        Assert.Equal(new Dictionary<Guid, PushReason> { [Bob] = PushReason.Mention }, got);
    }

    [Fact]
    public void Channel_wide_mentions_reach_everyone_but_the_muted()
    {
        var got = Recipients(Message(everyone: true), ConversationKind.PrivateChannel,
            new(Bob, NotificationLevel.Mentions, false), new(Carol, NotificationLevel.Muted, false));
        Assert.Equal([Bob], got.Keys);
    }

    [Fact]
    public void Thread_replies_reach_the_threads_people_only()
    {
        var got = Recipients(Message(threadRootId: 1), ConversationKind.PublicChannel,
            new(Bob, NotificationLevel.All, true), new(Carol, NotificationLevel.All, false));
        Assert.Equal(new Dictionary<Guid, PushReason> { [Bob] = PushReason.Reply }, got);
    }

    [Fact]
    public void Previews_are_short_and_on_one_line()
    {
        Assert.Equal("a b c", PushRules.Preview(Message(content: "a\n\n b\tc ")));
        var preview = PushRules.Preview(Message(content: new string('x', 500)));
        Assert.Equal(120, preview.Length);
        Assert.EndsWith("…", preview);
    }

    [Theory]
    [InlineData("http://push.example.com/x")]
    [InlineData("https://127.0.0.1/x")]
    [InlineData("https://localhost/x")]
    [InlineData("https://10.1.2.3/x")]
    [InlineData("https://192.168.0.4/x")]
    [InlineData("https://169.254.169.254/latest")]
    [InlineData("https://[::1]/x")]
    [InlineData("https://[fd00::1]/x")]
    public void Outside_tests_only_public_https_endpoints_are_taken(string endpoint)
    {
        Assert.NotNull(PushSubscriptionChecks.Endpoint(endpoint, allowInsecure: false).Refusal);
        Assert.Null(PushSubscriptionChecks.Endpoint("https://fcm.googleapis.com/fcm/send/abc", allowInsecure: false).Refusal);
    }

    [Fact]
    public void The_connect_check_refuses_private_addresses()
    {
        Assert.False(PushSubscriptionChecks.IsPublic(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.False(PushSubscriptionChecks.IsPublic(IPAddress.Parse("100.64.0.1")));
        Assert.True(PushSubscriptionChecks.IsPublic(IPAddress.Parse("142.250.74.10")));
    }
}
