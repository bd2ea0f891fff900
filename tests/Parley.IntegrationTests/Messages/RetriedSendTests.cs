using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

public abstract class RetriedSendTests(ParleyApp app)
{
    [Fact]
    public async Task A_retried_send_returns_the_original_message_and_is_announced_once()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);
        var clientMessageId = Guid.NewGuid();

        var original = await alice.SendAsync(channel.Id, "Q3 numbers attached", clientMessageId);
        var announced = await bobLive.NextAsync<MessageDto>(Created);
        var retry = await (await alice.PostMessageAsync(channel.Id, new { content = "Q3 numbers attached", clientMessageId }))
            .ReadAsync<MessageDto>(HttpStatusCode.OK);

        Assert.Equal(original.Id, announced.Id);
        Assert.Equal((original.Id, original.Seq, clientMessageId), (retry.Id, retry.Seq, retry.ClientMessageId!.Value));
        Assert.Equal([original.Id], (await bob.PageAsync(channel.Id)).Messages.Select(m => m.Id));
        Assert.Equal(1, (await alice.ConversationAsync(channel.Id)).LastMessageSeq);
        await bobLive.AssertNoneAsync<MessageDto>(Created);
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task Five_concurrent_retries_store_exactly_one_message()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);
        var clientMessageId = Guid.NewGuid();

        var responses = await Task.WhenAll(Enumerable.Range(0, 5)
            .Select(_ => alice.PostMessageAsync(channel.Id, new { content = "sent once", clientMessageId })));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)r.StatusCode}"));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var ids = new List<long>();
        foreach (var response in responses)
            ids.Add((await response.ReadAsync<MessageDto>(response.StatusCode)).Id);
        var page = await bob.PageAsync(channel.Id);
        Assert.Equal(ids.Distinct(), page.Messages.Select(m => m.Id));
        Assert.Equal([1L], page.Messages.Select(m => m.Seq));
        Assert.Equal(1, page.LastMessageSeq);
        Assert.Equal(ids[0], (await bobLive.NextAsync<MessageDto>(Created)).Id);
        await bobLive.AssertNoneAsync<MessageDto>(Created);
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
        Assert.True((await alice.IntegrityAsync()).Intact);
    }

    [Fact]
    public async Task The_same_client_message_id_in_another_conversation_is_refused()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var first = await alice.CreateChannelAsync("deals", "private", bob);
        var second = await alice.CreateChannelAsync("ops", "private", bob);
        var clientMessageId = Guid.NewGuid();
        await alice.SendAsync(first.Id, "hello", clientMessageId);
        await using var bobLive = await app.ConnectAsync(bob);

        var response = await alice.PostMessageAsync(second.Id, new { content = "hello", clientMessageId });

        await response.ShouldBeProblem(HttpStatusCode.Conflict, "client-message-id-reused");
        Assert.Empty((await bob.PageAsync(second.Id)).Messages);
        Assert.Equal(0, (await bob.ConversationAsync(second.Id)).LastMessageSeq);
        await bobLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task The_same_client_message_id_from_two_senders_makes_two_messages()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var clientMessageId = Guid.NewGuid();
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var fromAlice = await alice.SendAsync(channel.Id, "mine", clientMessageId);
        var fromBob = await bob.SendAsync(channel.Id, "mine too", clientMessageId);

        Assert.NotEqual(fromAlice.Id, fromBob.Id);
        Assert.Equal([1L, 2L], (await alice.PageAsync(channel.Id)).Messages.Select(m => m.Seq));
        Assert.Equal(fromBob.Id, (await aliceLive.NextAsync<MessageDto>(Created, m => m.SenderId == bob.Id)).Id);
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
    }

    [Fact]
    public async Task Concurrent_senders_get_every_seq_once_and_the_record_stays_intact()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, dave, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"),
            await org.MemberAsync("Dave"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("busy", "private", bob, carol, dave);
        await using var daveLive = await app.ConnectAsync(dave);
        await using var malloryLive = await app.ConnectAsync(mallory);
        Actor[] senders = [alice, bob, carol];

        var sent = await Task.WhenAll(senders.SelectMany(s => Enumerable.Range(1, 10).Select(i => s.SendAsync(channel.Id, $"{s.Name} {i}"))));

        var expected = Enumerable.Range(1, 30).Select(i => (long)i).ToList();
        Assert.Equal(expected, sent.Select(m => m.Seq).Order());
        var page = await dave.PageAsync(channel.Id);
        Assert.Equal(expected, page.Messages.Select(m => m.Seq));
        Assert.Equal(sent.Select(m => m.Id).Order(), page.Messages.Select(m => m.Id).Order());
        Assert.All(senders, s => Assert.Equal(10, page.Messages.Count(m => m.SenderId == s.Id)));
        var live = new List<long>();
        for (var i = 0; i < 30; i++)
            live.Add((await daveLive.NextAsync<MessageDto>(Created)).Seq);
        Assert.Equal(expected, live);                      // in record order as they arrived, not sorted
        await malloryLive.AssertNoneAsync<MessageDto>(Created);
        var report = await alice.IntegrityAsync();
        Assert.True(report.Intact, report.FirstBroken?.ToString());
        Assert.True(report.EntriesChecked >= 30);
    }
}

public sealed class SqliteRetriedSendTests(SqliteApp app) : RetriedSendTests(app);

public sealed class PostgresRetriedSendTests : RetriedSendTests
{
    public PostgresRetriedSendTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
