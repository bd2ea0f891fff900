using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Parley.Bench;

/// <summary>Proofs of one kind at one log size: latency, server CPU and the proof's length in hashes.</summary>
public sealed record ProofResult(string Proof, long Size, Percentiles Ms, double ServerCpuMicrosPerProof, double MeanHashes);

/// <param name="SizeBefore">Leaves in the log before the history was seeded.</param>
/// <param name="SizeAtSeeded">Leaves the background sequencer had taken in when seeding ended.</param>
/// <param name="Pending">Entries written but not in the log when seeding ended.</param>
/// <param name="CatchUpSeconds">The first <c>POST …/checkpoints</c>: takes in everything pending, then signs.</param>
/// <param name="SignMs">Later checkpoints, each after one more message: median and maximum.</param>
public sealed record RecordResult(
    long SizeBefore, long SizeAtSeeded, long Pending, long CheckpointSize, double CatchUpSeconds, double EntriesPerSecond,
    double ServerCpuMicrosPerEntry, double SignMsMedian, double SignMsMax, List<ProofResult> Proofs,
    double? IntegritySeconds, bool? Intact, long IntegrityEntries, double RssBeforeMiB, double RssPeakMiB, double RssAfterMiB,
    List<LogProgress> Progress, string Notes);

public sealed record LogProgress(double Seconds, long Size);

/// <summary>
/// The organization's Merkle log after the history seeding wrote its entries (1,000,000 in the published run): how long
/// the log takes to take them all in and sign, a checkpoint alone, inclusion and consistency proofs at three log sizes
/// (so that their cost is seen to grow with log n, not n), and a full integrity check with the server's memory.
/// </summary>
public static class RecordScenario
{
    private const int ProofsPerSize = 300;

    public static async Task<RecordResult> RunAsync(BenchSettings settings, ParleyApi api, ServerProbe server, BenchUser owner,
        HistoryScenario.Seeded seeded, long sizeBefore, Action<string> log, CancellationToken ct)
    {
        var (sizeAtSeeded, pending) = await LogStateAsync(settings, seeded.Conversation, ct);
        log($"record: the log held {sizeBefore:N0} leaves before seeding, {sizeAtSeeded:N0} when it ended; {pending:N0} entries pending");

        var cpu = server.CpuSeconds();
        var clock = Stopwatch.StartNew();
        // The log's size every 15 s while the first checkpoint runs: shows whether taking entries in slows as the log grows.
        List<LogProgress> progress = [new(0, sizeAtSeeded)];
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watcher = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(15), watching.Token);
                    var (size, _) = await LogStateAsync(settings, seeded.Conversation, watching.Token, pending: false);
                    progress.Add(new(Math.Round(clock.Elapsed.TotalSeconds), size));
                    var (t0, s0) = (progress[^2].Seconds, progress[^2].Size);
                    log(string.Create(CultureInfo.InvariantCulture,
                        $"  {progress[^1].Seconds,4:0} s: {size:N0} leaves, {(size - s0) / Math.Max(1, progress[^1].Seconds - t0):N0}/s"));
                }
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        var first = await api.PostAsync<CheckpointResult>("/api/v1/admin/record/checkpoints", new { }, owner.Token, ct);
        var catchUp = clock.Elapsed.TotalSeconds;
        cpu = server.CpuSeconds() - cpu;
        await watching.CancelAsync();
        await watcher;
        var takenIn = first.Size - sizeAtSeeded;
        var rate = takenIn / catchUp;
        log(string.Create(CultureInfo.InvariantCulture,
            $"  first checkpoint: size {first.Size:N0} in {catchUp:0.0} s; {takenIn:N0} entries taken in, {rate:N0}/s, {cpu * 1e6 / Math.Max(1, takenIn):0} µs server CPU each"));

        List<double> signs = [];
        for (var i = 0; i < 7; i++)
        {
            await api.SendMessageAsync(seeded.Conversation, $"One more message {i}.", owner.Token, ct);
            var t = Stopwatch.StartNew();
            var next = await api.PostAsync<CheckpointResult>("/api/v1/admin/record/checkpoints", new { }, owner.Token, ct);
            signs.Add(t.Elapsed.TotalMilliseconds);
            if (next.Size <= first.Size)
                throw new InvalidOperationException($"A checkpoint after one more message has size {next.Size}, not more than {first.Size}.");
        }
        signs.Sort();
        log(string.Create(CultureInfo.InvariantCulture, $"  checkpoint after one more message: median {signs[signs.Count / 2]:0.0} ms, max {signs[^1]:0.0} ms"));

        var random = new Random(9);
        List<ProofResult> proofs = [];
        foreach (var size in new[] { 1_000L, 100_000L, first.Size }.Where(s => s <= first.Size).Distinct())
        {
            proofs.Add(await ProofsAsync("inclusion", size, () =>
                $"/api/v1/admin/record/proofs/inclusion?leaf={random.NextInt64(size)}&size={size}", api, server, owner, ct));
            proofs.Add(await ProofsAsync("consistency", size, () =>
                $"/api/v1/admin/record/proofs/consistency?from={1 + random.NextInt64(size - 1)}&to={size}", api, server, owner, ct));
            foreach (var p in proofs.TakeLast(2))
                log(string.Create(CultureInfo.InvariantCulture,
                    $"  {p.Proof,-11} at {p.Size,9:N0}: p50 {p.Ms.P50} p99 {p.Ms.P99} max {p.Ms.Max} ms, {p.ServerCpuMicrosPerProof:0} µs CPU, {p.MeanHashes:0.0} hashes"));
        }

        // The integrity check reads every entry; the server's resident memory is sampled while it runs.
        log("  verifying the record (GET /api/v1/admin/integrity)...");
        var rssBefore = server.RssBytes();
        var peak = rssBefore;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, server.RssBytes());
                await Task.Delay(100, CancellationToken.None);
            }
        }, CancellationToken.None);
        double? integritySeconds = null;
        bool? intact = null;
        long checkedEntries = 0;
        var verify = Stopwatch.StartNew();
        try
        {
            var report = await api.GetAsync<IntegrityResult>("/api/v1/admin/integrity", owner.Token, ct);
            integritySeconds = Math.Round(verify.Elapsed.TotalSeconds, 1);
            (intact, checkedEntries) = (report.Intact, report.EntriesChecked);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            log($"  integrity check failed after {verify.Elapsed.TotalSeconds:0} s: {e.Message}");
        }
        await sampling.CancelAsync();
        await sampler;
        var rssAfter = server.RssBytes();
        log(string.Create(CultureInfo.InvariantCulture,
            $"  integrity: {(intact is true ? "intact" : "NOT intact")}, {checkedEntries:N0} entries in {integritySeconds} s; RSS {Mib(rssBefore)} → peak {Mib(peak)} → {Mib(rssAfter)} MiB"));

        return new RecordResult(sizeBefore, sizeAtSeeded, pending, first.Size, Math.Round(catchUp, 1), Math.Round(rate),
            Math.Round(cpu * 1e6 / Math.Max(1, takenIn), 1), Math.Round(signs[signs.Count / 2], 1), Math.Round(signs[^1], 1), proofs,
            integritySeconds, intact, checkedEntries, Mib(rssBefore), Mib(peak), Mib(rssAfter), progress,
            $"{ProofsPerSize} proofs of each kind at each size, random leaves and sizes, one client, after 20 unmeasured");
    }

    private static double Mib(long bytes) => Math.Round(bytes / 1048576.0, 0);

    private static async Task<ProofResult> ProofsAsync(string kind, long size, Func<string> path, ParleyApi api, ServerProbe server,
        BenchUser owner, CancellationToken ct)
    {
        for (var i = 0; i < 20; i++)
            await api.GetAsync<ProofDto>(path(), owner.Token, ct);
        var samples = new long[ProofsPerSize];
        long hashes = 0;
        var cpu = server.CpuSeconds();
        for (var i = 0; i < samples.Length; i++)
        {
            var p = path();
            var t = Stopwatch.GetTimestamp();
            hashes += (await api.GetAsync<ProofDto>(p, owner.Token, ct)).Proof.Count;
            samples[i] = Stopwatch.GetTimestamp() - t;
        }
        cpu = server.CpuSeconds() - cpu;
        return new ProofResult(kind, size, Percentiles.Of(samples), Math.Round(cpu * 1e6 / samples.Length), Math.Round((double)hashes / samples.Length, 1));
    }

    /// <summary>
    /// Waits until the log has taken in every entry the seeding wrote, so that a scenario measured next is not sharing
    /// the server's cores with that catching up (a deployment with a million messages has a log that caught up long ago).
    /// </summary>
    public static async Task WaitForLogAsync(BenchSettings settings, long conversationId, Action<string> log, CancellationToken ct)
    {
        var (_, pending) = await LogStateAsync(settings, conversationId, ct);
        var said = DateTimeOffset.UtcNow;
        while (pending > 0)
        {
            if (DateTimeOffset.UtcNow - said > TimeSpan.FromSeconds(30))
            {
                log($"  waiting for the record's log to take in the seeded entries: {pending:N0} pending");
                said = DateTimeOffset.UtcNow;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            (_, pending) = await LogStateAsync(settings, conversationId, ct);
        }
    }

    /// <summary>The log's size and the entries not in it yet, read from the database (no endpoint says how many are pending).</summary>
    public static async Task<(long Size, long Pending)> LogStateAsync(BenchSettings settings, long conversationId, CancellationToken ct,
        bool pending = true)
    {
        await using DbConnection db = settings.Database == "Postgres"
            ? new NpgsqlConnection(settings.ConnectionString)
            : new SqliteConnection(settings.ConnectionString);
        await db.OpenAsync(ct);
        var org = $"(SELECT \"OrganizationId\" FROM \"Conversations\" WHERE \"Id\" = {conversationId})";
        async Task<long> ScalarAsync(string sql)
        {
            await using var command = db.CreateCommand();
            command.CommandText = sql;
            return await command.ExecuteScalarAsync(ct) is { } v and not DBNull ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : 0;
        }
        var size = await ScalarAsync($"SELECT \"Size\" FROM \"RecordLogs\" WHERE \"OrganizationId\" = {org}");
        if (!pending)
            return (size, 0);
        return (size, await ScalarAsync($"SELECT COUNT(*) FROM \"RecordEntries\" WHERE \"OrganizationId\" = {org} AND \"LeafIndex\" IS NULL") +
                      await ScalarAsync($"SELECT COUNT(*) FROM \"AuditEvents\" WHERE \"OrganizationId\" = {org} AND \"LeafIndex\" IS NULL"));
    }

    private sealed record CheckpointResult(long Size, string Root);

    private sealed record ProofDto(List<string> Proof);
}
