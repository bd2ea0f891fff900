using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Messages;

/// <summary>
/// Sends racing a change of access. The archive's or removal's audit event records the record position it took effect
/// at: every message accepted must lie at or before it, and every send after it must be refused.
/// </summary>
public abstract class AccessRaceTests(ParleyApp app)
{
    private const int Rounds = 8, SendsPerRound = 12;

    [Fact]
    public async Task Sends_racing_an_archive_are_either_refused_or_recorded_before_it()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));

        for (var round = 0; round < Rounds; round++)
        {
            var channel = await alice.CreateChannelAsync($"archive race {round}", "private", bob);
            var sends = Enumerable.Range(0, SendsPerRound)
                .Select(i => (i % 2 == 0 ? alice : bob).PostMessageAsync(channel.Id, new { content = $"message {i}", clientMessageId = Guid.NewGuid() }))
                .ToList();
            sends.Insert(SendsPerRound / 2, alice.PostAsync($"/api/v1/conversations/{channel.Id}/archive"));
            var responses = await Task.WhenAll(sends);
            await responses[SendsPerRound / 2].ShouldBe(HttpStatusCode.OK);

            var archivedAt = await PositionOfAsync(alice, "ConversationArchived", channel.Id);
            await AssertSentOnlyUpToAsync(alice, channel.Id, archivedAt,
                responses.Where((_, i) => i != SendsPerRound / 2), HttpStatusCode.UnprocessableEntity, "conversation-archived");
        }
    }

    [Fact]
    public async Task Sends_racing_the_senders_removal_are_either_refused_or_recorded_before_it()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));

        for (var round = 0; round < Rounds; round++)
        {
            var channel = await alice.CreateChannelAsync($"removal race {round}", "private", bob);
            var sends = Enumerable.Range(0, SendsPerRound)
                .Select(i => bob.PostMessageAsync(channel.Id, new { content = $"message {i}", clientMessageId = Guid.NewGuid() }))
                .ToList();
            sends.Insert(SendsPerRound / 2, alice.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{bob.Id}"));
            var responses = await Task.WhenAll(sends);
            await responses[SendsPerRound / 2].ShouldBe(HttpStatusCode.NoContent);

            var removedAt = await PositionOfAsync(alice, "MemberRemoved", channel.Id);
            // A private channel one was removed from is invisible: the refusal is a 404.
            await AssertSentOnlyUpToAsync(alice, channel.Id, removedAt,
                responses.Where((_, i) => i != SendsPerRound / 2), HttpStatusCode.NotFound, "not-found");
        }
    }

    [Fact]
    public async Task A_retry_after_the_sender_was_removed_returns_the_original_message()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var clientMessageId = Guid.NewGuid();
        var original = await bob.SendAsync(channel.Id, "sent before I was removed", clientMessageId);
        await (await alice.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{bob.Id}")).ShouldBe(HttpStatusCode.NoContent);

        var retry = await bob.PostMessageAsync(channel.Id, new { content = "sent before I was removed", clientMessageId });
        var fresh = await bob.PostMessageAsync(channel.Id, new { content = "and now?", clientMessageId = Guid.NewGuid() });

        var answered = await retry.ReadAsync<MessageDto>(HttpStatusCode.OK);
        Assert.Equal((original.Id, original.Seq, original.Position), (answered.Id, answered.Seq, answered.Position));
        await fresh.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal([original.Id], (await alice.PageAsync(channel.Id)).Messages.Select(m => m.Id));
    }

    private static async Task<long> PositionOfAsync(Actor admin, string action, long conversationId)
    {
        var audit = await admin.AuditAsync(action);
        var change = Assert.Single(audit, e => e.TargetId == conversationId.ToString());
        return change.Data!.Value.GetProperty("position").GetInt64();
    }

    private static async Task AssertSentOnlyUpToAsync(Actor reader, long conversationId, long position,
        IEnumerable<HttpResponseMessage> sends, HttpStatusCode refusedStatus, string refusedCode)
    {
        foreach (var send in sends)
        {
            if (send.StatusCode == HttpStatusCode.Created)
            {
                var message = await send.ReadAsync<MessageDto>(HttpStatusCode.Created);
                Assert.True(message.Position <= position, $"Message at {message.Position} accepted after the change at {position}.");
            }
            else
                await send.ShouldBeProblem(refusedStatus, refusedCode);
        }
        var stored = (await reader.PageAsync(conversationId)).Messages;
        Assert.All(stored, m => Assert.True(m.Position <= position, $"Message at {m.Position} recorded after the change at {position}."));
    }
}

public sealed class SqliteAccessRaceTests(SqliteApp app) : AccessRaceTests(app);

public sealed class PostgresAccessRaceTests : AccessRaceTests
{
    public PostgresAccessRaceTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
