using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Compliance.Gdpr;

namespace Parley.IntegrationTests.Compliance;

/// <summary>
/// An erasure request as a background job: answered at once, carried out in batches with its progress readable, asked for
/// again while under way without starting a second one, and taken up again where it stopped once the lease of a worker
/// that stopped half-way runs out, with counts that add up.
/// </summary>
public abstract class ErasureRequestTests(DiscoveryApp app)
{
    private const int Sent = 250;                    // three batches of a hundred

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_long_erasure_shows_its_progress_and_one_stopped_half_way_is_taken_up_again_once_its_lease_runs_out()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol, officer) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Olga", "compliance"));
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob, carol);
        for (var i = 0; i < Sent; i++)
            await bob.SendAsync(channel.Id, $"note {i}");
        await carol.SendAsync(channel.Id, "carol's own words");

        var asked = await (await officer.PostAsync($"/api/v1/compliance/people/{bob.Id}/erasure")).ReadAsync<ErasureRequestDto>(HttpStatusCode.Accepted);
        Assert.Equal(("queued", 0, (int?)null, (ErasureReportDto?)null), (asked.State, asked.MessagesDone, asked.MessagesTotal, asked.Report));
        var again = await (await org.Owner.PostAsync($"/api/v1/compliance/people/{bob.Id}/erasure")).ReadAsync<ErasureRequestDto>(HttpStatusCode.Accepted);
        Assert.Equal(asked.Id, again.Id);
        Assert.Single(await org.Owner.AuditAsync(nameof(AuditAction.ErasureRequested)));
        var request = $"/api/v1/compliance/erasures/{asked.Id}";

        // A worker stopped after its first batch (as a shutdown stops it: between batches, its progress saved).
        var worker = app.Services.GetRequiredService<ErasureWorker>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        void StopAfterOneBatch(Guid id)
        {
            if (id == asked.Id)
                stop.Cancel();
        }
        worker.BatchSaved += StopAfterOneBatch;
        try
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => worker.RunOnceAsync(stop.Token));
        }
        finally
        {
            worker.BatchSaved -= StopAfterOneBatch;
        }
        var halfway = await officer.GetOkAsync<ErasureRequestDto>(request);
        Assert.Equal(("running", 100, (int?)Sent, (ErasureReportDto?)null), (halfway.State, halfway.MessagesDone, halfway.MessagesTotal, halfway.Report));
        var seen = (await carol.PageAsync(channel.Id, "?limit=100")).Messages;
        Assert.Contains(seen, m => m.SenderId == bob.Id && m.Content is { Length: > 0 });          // the last ones are not erased yet

        // Its lease still holds: another round leaves it alone; once it runs out, the next round finishes it.
        await worker.RunOnceAsync(Ct);
        Assert.Equal(100, (await officer.GetOkAsync<ErasureRequestDto>(request)).MessagesDone);
        app.Clock.Advance(TimeSpan.FromMinutes(6));
        await worker.RunOnceAsync(Ct);

        var done = await officer.GetOkAsync<ErasureRequestDto>(request);
        Assert.Equal(("done", Sent, (int?)Sent), (done.State, done.MessagesDone, done.MessagesTotal));
        Assert.Equal(("erased", Sent, 0), (done.Report!.Status, done.Report.MessagesErased, done.Report.KeptTotal));
        Assert.Equal(done.RequestedAt, done.Report.ErasedAt);
        var page = await carol.PageAsync(channel.Id, "?limit=100");
        Assert.All(page.Messages.Where(m => m.SenderId == bob.Id), m => Assert.Equal("", m.Content));
        Assert.Contains(page.Messages, m => m.Content == "carol's own words");
        Assert.Equal(0, await app.WithDbAsync(db => db.Messages.CountAsync(m => m.SenderId == bob.Id && m.Content != "", Ct)));
        Assert.True((await officer.IntegrityAsync()).Intact);

        // Asked again once done: a new request, which says the person was already erased, and when.
        var later = await (await officer.PostAsync($"/api/v1/compliance/people/{bob.Id}/erasure")).ReadAsync<ErasureRequestDto>(HttpStatusCode.Accepted);
        Assert.NotEqual(asked.Id, later.Id);
        await worker.RunOnceAsync(Ct);
        var repeated = (await officer.GetOkAsync<ErasureRequestDto>($"/api/v1/compliance/erasures/{later.Id}")).Report!;
        Assert.Equal(("already-erased", 0, done.RequestedAt), (repeated.Status, repeated.MessagesErased, repeated.ErasedAt));
    }
}

public sealed class SqliteErasureRequestTests(SqliteDiscoveryApp app) : ErasureRequestTests(app), IClassFixture<SqliteDiscoveryApp>;

public sealed class PostgresErasureRequestTests : ErasureRequestTests, IClassFixture<PostgresDiscoveryApp>
{
    public PostgresErasureRequestTests(PostgresDiscoveryApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
