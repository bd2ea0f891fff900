using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using Parley.IntegrationTests.Infrastructure;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Platform;

/// <summary>An error in the server log must be something an operator should look at: races the server handles are not.</summary>
public abstract class ServerLogTests(ParleyApp app)
{
    [Fact]
    public async Task Handled_races_and_refusals_log_no_errors()
    {
        await using var fresh = await app.StartAnotherAsync();
        var org = await fresh.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("general", "public");
        var message = await alice.SendAsync(channel.Id, "Signed!");

        // Joins racing each other: the unique index decides, the others answer the membership it kept.
        var joins = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => bob.PostAsync($"/api/v1/conversations/{channel.Id}/join")));
        Assert.All(joins, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        // Retries racing each other: the unique index decides, the losers answer the winner's message.
        var clientMessageId = Guid.NewGuid();
        var retries = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => bob.PostMessageAsync(channel.Id, new { content = "once", clientMessageId })));
        Assert.All(retries, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)r.StatusCode}"));
        // The same reaction added at once, the same message deleted at once.
        var reactions = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => bob.PutAsync(ReactionAt(channel.Id, message.Id, "🎉"))));
        Assert.All(reactions, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var deletes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => alice.DeleteAsync(MessageAt(channel.Id, message.Id))));
        Assert.Single(deletes, r => r.StatusCode == HttpStatusCode.OK);
        // Typing into a conversation one has left.
        await using var bobLive = await fresh.ConnectAsync(bob);
        await (await bob.PostAsync($"/api/v1/conversations/{channel.Id}/leave")).ShouldBe(HttpStatusCode.NoContent);
        await Assert.ThrowsAsync<HubException>(() => bobLive.Hub.InvokeAsync("StartTyping", channel.Id, TestContext.Current.CancellationToken));
        // Writing to an archived channel.
        await (await alice.PostAsync($"/api/v1/conversations/{channel.Id}/archive")).ShouldBe(HttpStatusCode.OK);
        await (await alice.PostMessageAsync(channel.Id, new { content = "late", clientMessageId = Guid.NewGuid() }))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "conversation-archived");

        var errors = fresh.Logs.Entries.Where(e => e.Level >= LogLevel.Error).ToList();
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
    }
}

public sealed class SqliteServerLogTests(SqliteApp app) : ServerLogTests(app);

public sealed class PostgresServerLogTests : ServerLogTests
{
    public PostgresServerLogTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
