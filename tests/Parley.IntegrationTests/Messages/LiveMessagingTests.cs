using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Messages;

public abstract class LiveMessagingTests(ParleyApp app)
{
    [Fact]
    public async Task Two_users_see_each_others_messages_live_and_an_outsider_sees_nothing()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        await alice.SendAsync(channel.Id, "Q3 numbers attached");
        var atBob = await bobLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
        await bob.SendAsync(channel.Id, "Thanks **Alice**");
        var atAlice = await aliceLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.SenderId == bob.Id);

        Assert.Equal("Q3 numbers attached", atBob.Content);
        Assert.Equal(alice.Id, atBob.SenderId);
        Assert.Equal("<p>Thanks <strong>Alice</strong></p>", atAlice.Html);
        Assert.Equal(atBob.Seq + 1, atAlice.Seq);
        await malloryLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
    }

    [Fact]
    public async Task A_client_that_reconnects_catches_up_with_no_gap_and_no_duplicate()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("ops", "public", bob);
        var first = await alice.SendAsync(channel.Id, "one");
        long position;
        await using (var bobLive = await app.ConnectAsync(bob))
        {
            var second = await alice.SendAsync(channel.Id, "two");
            position = (await bobLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == second.Id)).Position;
        }

        var missed = new List<MessageDto>
        {
            await alice.SendAsync(channel.Id, "three"),
            await alice.SendAsync(channel.Id, "four"),
        };
        await (await alice.PatchAsync($"/api/v1/conversations/{channel.Id}/messages/{first.Id}", new { content = "one (edited)" })).ShouldBe(HttpStatusCode.OK);
        missed.Add(await alice.SendAsync(channel.Id, "five"));
        await using var again = await app.ConnectAsync(bob);
        var caughtUp = await bob.GetOkAsync<ChangesDto>($"/api/v1/conversations/{channel.Id}/changes?after={position}");

        Assert.True(caughtUp.Complete);
        Assert.Equal(["three", "four", "one (edited)", "five"], caughtUp.Messages.Select(m => m.Content));
        Assert.Equal(caughtUp.Messages.Count, caughtUp.Messages.Select(m => m.Id).Distinct().Count());
        Assert.Equal([3L, 4L, 5L], caughtUp.Messages.Where(m => m.Id != first.Id).Select(m => m.Seq));
        var again2 = await bob.GetOkAsync<ChangesDto>($"/api/v1/conversations/{channel.Id}/changes?after={caughtUp.Position}");
        Assert.Empty(again2.Messages);
        var live = await alice.SendAsync(channel.Id, "six");
        Assert.Equal(caughtUp.Position + 1, (await again.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated))).Position);
        Assert.Equal(6, live.Seq);
    }
}

public sealed class SqliteLiveMessagingTests(SqliteApp app) : LiveMessagingTests(app);

public sealed class PostgresLiveMessagingTests : LiveMessagingTests
{
    public PostgresLiveMessagingTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
