using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Conversations;

/// <summary>
/// Operations that lock both a conversation and the organization's audit head, raced against each other: with one lock
/// order (docs/architecture.md) they queue and all succeed; with two, PostgreSQL picks a deadlock victim.
/// </summary>
public abstract class LockOrderTests(ParleyApp app)
{
    [Fact]
    public async Task Renames_and_archives_racing_a_moderators_deletes_all_succeed()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob, carol);
        await (await alice.PutAsync($"/api/v1/conversations/{channel.Id}/members/{carol.Id}/role", new { role = "moderator" }))
            .ShouldBe(HttpStatusCode.OK);

        for (var round = 0; round < 20; round++)
        {
            var messages = new List<MessageDto>();
            for (var i = 0; i < 4; i++)
                messages.Add(await bob.SendAsync(channel.Id, $"round {round} message {i}"));

            // Deletes of someone else's message: the conversation, then the audit head. The owner's change: both too.
            // An upload refers to the conversation (a key lock a rename conflicts with), then takes the audit head.
            var deletes = messages.Select(m => carol.DeleteAsync(MessageAt(channel.Id, m.Id)));
            var change = round % 2 == 0
                ? alice.PatchAsync($"/api/v1/conversations/{channel.Id}", new { name = $"deals {round}", topic = $"round {round}" })
                : alice.PostAsync($"/api/v1/conversations/{channel.Id}/archive");
            var uploads = Enumerable.Range(0, round % 2 == 0 ? 2 : 0).Select(i => bob.UploadAsync(channel.Id, [(byte)round, (byte)i]));
            var responses = await Task.WhenAll(deletes.Append(change).Concat(uploads));

            foreach (var response in responses)
                await response.ShouldBe(response.RequestMessage!.Method == HttpMethod.Post && response.RequestMessage.RequestUri!.AbsolutePath.EndsWith("/files")
                    ? HttpStatusCode.Created : HttpStatusCode.OK);
            if (round % 2 == 1)
                await (await alice.PostAsync($"/api/v1/conversations/{channel.Id}/unarchive")).ShouldBe(HttpStatusCode.OK);
        }

        var report = await alice.IntegrityAsync();
        Assert.True(report.Intact, report.FirstBroken?.ToString());
    }
}

public sealed class SqliteLockOrderTests(SqliteApp app) : LockOrderTests(app);

public sealed class PostgresLockOrderTests : LockOrderTests
{
    public PostgresLockOrderTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
