using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

public abstract class ThreadTests(ParleyApp app)
{
    [Fact]
    public async Task A_reply_joins_its_thread_and_stays_out_of_the_timeline()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var root = await alice.SendAsync(channel.Id, "Who takes the Acme call?");
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var reply = await bob.SendAsync(channel.Id, "I will", threadRootId: root.Id);

        var announced = await aliceLive.NextAsync<MessageDto>(Created);
        Assert.Equal((reply.Id, root.Id), (announced.Id, announced.ThreadRootId));
        var timeline = (await alice.PageAsync(channel.Id)).Messages;
        Assert.Equal([root.Id], timeline.Select(m => m.Id));
        Assert.Equal(1, timeline[0].ReplyCount);
        Assert.NotNull(timeline[0].LastReplyAt);
        var replies = await bob.GetOkAsync<MessagePageDto>($"{MessageAt(channel.Id, root.Id)}/replies");
        Assert.Equal([reply.Id], replies.Messages.Select(m => m.Id));
        Assert.Equal("I will", replies.Messages[0].Content);
        Assert.False(replies.HasMore);
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task Replying_to_a_reply_is_refused()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var root = await alice.SendAsync(channel.Id, "root");
        var reply = await bob.SendAsync(channel.Id, "reply", threadRootId: root.Id);
        await using var bobLive = await app.ConnectAsync(bob);

        var response = await alice.PostMessageAsync(channel.Id, new { content = "nested", clientMessageId = Guid.NewGuid(), threadRootId = reply.Id });

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, "thread-root-invalid");
        Assert.Equal(2, (await alice.ConversationAsync(channel.Id)).LastMessageSeq);
        await (await alice.GetAsync($"{MessageAt(channel.Id, reply.Id)}/replies")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await bobLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task Replying_to_a_message_of_another_conversation_is_refused()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var deals = await alice.CreateChannelAsync("deals", "private", bob);
        var ops = await alice.CreateChannelAsync("ops", "private", bob);
        var elsewhere = await alice.SendAsync(ops.Id, "in ops");
        await using var bobLive = await app.ConnectAsync(bob);

        var response = await alice.PostMessageAsync(deals.Id, new { content = "reply", clientMessageId = Guid.NewGuid(), threadRootId = elsewhere.Id });

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, "thread-root-invalid");
        Assert.Empty((await alice.PageAsync(deals.Id)).Messages);
        Assert.Equal(0, (await alice.PageAsync(ops.Id)).Messages.Single().ReplyCount);
        await bobLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task Replying_to_a_deleted_or_unknown_message_is_refused()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var root = await alice.SendAsync(channel.Id, "soon gone");
        await alice.DeleteMessageAsync(channel.Id, root.Id);
        await using var aliceLive = await app.ConnectAsync(alice);

        var toDeleted = await bob.PostMessageAsync(channel.Id, new { content = "reply", clientMessageId = Guid.NewGuid(), threadRootId = root.Id });
        var toUnknown = await bob.PostMessageAsync(channel.Id, new { content = "reply", clientMessageId = Guid.NewGuid(), threadRootId = long.MaxValue });

        await toDeleted.ShouldBeProblem(HttpStatusCode.BadRequest, "thread-root-invalid");
        await toUnknown.ShouldBeProblem(HttpStatusCode.BadRequest, "thread-root-invalid");
        Assert.Equal(1, (await alice.ConversationAsync(channel.Id)).LastMessageSeq);
        await aliceLive.AssertNoneAsync<MessageDto>(Created);
    }
}

public sealed class SqliteThreadTests(SqliteApp app) : ThreadTests(app);

public sealed class PostgresThreadTests : ThreadTests
{
    public PostgresThreadTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
