using System.Net;
using Parley.IntegrationTests.Infrastructure;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

public abstract class HistoryTests(ParleyApp app)
{
    [Fact]
    public async Task History_pages_back_and_forward_by_seq()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        for (var i = 1; i <= 120; i++)
            await alice.SendAsync(channel.Id, $"message {i}");

        var newest = await bob.PageAsync(channel.Id, "?limit=50");
        var older = await bob.PageAsync(channel.Id, "?before=71");
        var oldest = await bob.PageAsync(channel.Id, "?before=21");
        var forward = await bob.PageAsync(channel.Id, "?after=100&limit=10");
        var last = await bob.PageAsync(channel.Id, "?after=110&limit=10");

        Assert.Equal(Seqs(71, 120), newest.Messages.Select(m => m.Seq));
        Assert.True(newest.HasMore);
        Assert.Equal(120, newest.LastMessageSeq);
        Assert.Equal(Seqs(21, 70), older.Messages.Select(m => m.Seq));
        Assert.True(older.HasMore);
        Assert.Equal(Seqs(1, 20), oldest.Messages.Select(m => m.Seq));
        Assert.False(oldest.HasMore);
        Assert.Equal(Seqs(101, 110), forward.Messages.Select(m => m.Seq));
        Assert.True(forward.HasMore);
        Assert.Equal(Seqs(111, 120), last.Messages.Select(m => m.Seq));
        Assert.False(last.HasMore);
        Assert.All(newest.Messages, m => Assert.Equal($"message {m.Seq}", m.Content));
    }

    [Theory]
    [InlineData("?before=10&after=5", "cursor-invalid")]
    [InlineData("?limit=0", "limit-invalid")]
    [InlineData("?limit=500", "limit-invalid")]
    [InlineData("?limit=-1", "limit-invalid")]
    public async Task Invalid_cursors_and_limits_are_refused(string query, string code)
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("deals", "private");
        await alice.SendAsync(channel.Id, "hello");

        var response = await alice.GetAsync(MessagesOf(channel.Id) + query);

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, code);
    }

    private static List<long> Seqs(long from, long to) => [.. Enumerable.Range((int)from, (int)(to - from + 1)).Select(i => (long)i)];
}

public sealed class SqliteHistoryTests(SqliteApp app) : HistoryTests(app);

public sealed class PostgresHistoryTests : HistoryTests
{
    public PostgresHistoryTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
