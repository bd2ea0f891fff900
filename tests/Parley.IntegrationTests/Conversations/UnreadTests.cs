using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Conversations;

public abstract class UnreadTests(ParleyApp app)
{
    [Fact]
    public async Task Bobs_unread_count_rises_when_Alice_posts_and_Alices_own_messages_are_not_unread_for_her()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("general", "public", bob);
        await using var bobLive = await app.ConnectAsync(bob);

        await alice.SendAsync(channel.Id, "one");
        var second = await alice.SendAsync(channel.Id, "two");
        await bobLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == second.Id);

        var atBob = await bob.MineAsync(channel.Id);
        Assert.Equal((2, 0, 0L, 2L), (atBob.Unread, atBob.UnreadMentions, atBob.LastReadSeq, atBob.LastMessageSeq));
        Assert.Equal(0, (await alice.MineAsync(channel.Id)).Unread);
    }

    [Fact]
    public async Task Read_marks_that_race_never_move_the_position_back()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("busy", "public", bob);
        for (var i = 0; i < 60; i++)
            await alice.SendAsync(channel.Id, $"message {i}");

        // Two tabs marking what each has shown: the highest mark must win whatever order they commit in.
        for (var round = 0; round < 20; round++)
        {
            var top = 40 + round;
            var marks = Enumerable.Range(top - 30, 31).Reverse().Select(seq =>
                bob.PostAsync($"/api/v1/conversations/{channel.Id}/read", new { seq }));
            foreach (var response in await Task.WhenAll(marks))
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(top, (await bob.MineAsync(channel.Id)).LastReadSeq);
        }
    }

    [Fact]
    public async Task Mentions_of_bob_and_of_the_whole_channel_count_as_unread_mentions()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        var channel = await alice.CreateChannelAsync("standup", "public", bob, carol);

        await alice.SendAsync(channel.Id, $"@{bob.Handle} can you check the build?");
        await alice.SendAsync(channel.Id, "@channel standup in five");
        await alice.SendAsync(channel.Id, "no one in particular");

        var atBob = await bob.MineAsync(channel.Id);
        var atCarol = await carol.MineAsync(channel.Id);
        Assert.Equal((3, 2), (atBob.Unread, atBob.UnreadMentions));
        Assert.Equal((3, 1), (atCarol.Unread, atCarol.UnreadMentions));
    }

    [Fact]
    public async Task A_message_naming_bob_and_the_whole_channel_is_one_unread_mention()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("standup", "public", bob);

        await alice.SendAsync(channel.Id, $"@channel and especially @{bob.Handle}: standup now");

        var atBob = await bob.MineAsync(channel.Id);
        Assert.Equal((1, 1), (atBob.Unread, atBob.UnreadMentions));
    }

    [Fact]
    public async Task Mentioning_oneself_is_not_an_unread_mention()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("notes", "public", bob);

        await alice.SendAsync(channel.Id, $"note to self, @{alice.Handle}: renew the domain");

        var atAlice = await alice.MineAsync(channel.Id);
        Assert.Equal((0, 0), (atAlice.Unread, atAlice.UnreadMentions));
        var atBob = await bob.MineAsync(channel.Id);
        Assert.Equal((1, 0), (atBob.Unread, atBob.UnreadMentions));
    }

    [Fact]
    public async Task Marking_read_clears_unread_and_tells_Bobs_other_connections_but_not_Alice()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("general", "public", bob);
        await alice.SendAsync(channel.Id, $"@{bob.Handle} hello");
        var last = await alice.SendAsync(channel.Id, "@channel and everyone else");
        await using var bobPhone = await app.ConnectAsync(bob);
        await using var bobLaptop = await app.ConnectAsync(bob);
        await using var aliceLive = await app.ConnectAsync(alice);

        var response = await bob.PostAsync($"/api/v1/conversations/{channel.Id}/read", new { seq = last.Seq });

        Assert.Equal(last.Seq, (await response.ReadAsync<ReadPositionDto>(HttpStatusCode.OK)).LastReadSeq);
        var atPhone = await bobPhone.NextAsync<ReadPositionDto>(nameof(IParleyClient.ReadPositionChanged));
        var atLaptop = await bobLaptop.NextAsync<ReadPositionDto>(nameof(IParleyClient.ReadPositionChanged));
        Assert.Equal(new ReadPositionDto(channel.Id, 2), atPhone);
        Assert.Equal(new ReadPositionDto(channel.Id, 2), atLaptop);
        var atBob = await bob.MineAsync(channel.Id);
        Assert.Equal((0, 0, 2L), (atBob.Unread, atBob.UnreadMentions, atBob.LastReadSeq));
        await aliceLive.AssertNoneAsync<ReadPositionDto>(nameof(IParleyClient.ReadPositionChanged));
    }

    [Fact]
    public async Task The_read_position_never_moves_backwards_nor_past_the_last_message()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("general", "public", bob);
        for (var i = 1; i <= 3; i++)
            await alice.SendAsync(channel.Id, $"message {i}");
        await using var bobLive = await app.ConnectAsync(bob);

        var ahead = await bob.PostAsync($"/api/v1/conversations/{channel.Id}/read", new { seq = 99 });
        await bobLive.NextAsync<ReadPositionDto>(nameof(IParleyClient.ReadPositionChanged));
        var back = await bob.PostAsync($"/api/v1/conversations/{channel.Id}/read", new { seq = 1 });
        var negative = await bob.PostAsync($"/api/v1/conversations/{channel.Id}/read", new { seq = -5 });

        Assert.Equal(3, (await ahead.ReadAsync<ReadPositionDto>(HttpStatusCode.OK)).LastReadSeq);
        Assert.Equal(3, (await back.ReadAsync<ReadPositionDto>(HttpStatusCode.OK)).LastReadSeq);
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Equal(3, (await bob.MineAsync(channel.Id)).LastReadSeq);
        await bobLive.AssertNoneAsync<ReadPositionDto>(nameof(IParleyClient.ReadPositionChanged));
        var fourth = await alice.SendAsync(channel.Id, "message 4");
        Assert.Equal(1, (await bob.MineAsync(channel.Id)).Unread);
        Assert.Equal(4, fourth.Seq);
    }
}

public sealed class SqliteUnreadTests(SqliteApp app) : UnreadTests(app);

public sealed class PostgresUnreadTests : UnreadTests
{
    public PostgresUnreadTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
