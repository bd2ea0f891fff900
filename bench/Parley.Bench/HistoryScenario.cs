using System.Diagnostics;

namespace Parley.Bench;

/// <summary>
/// Scenario 5: pages of 50 from a conversation holding many messages. The first messages go through the API (the
/// real send path); the rest are bulk-inserted with a chain that continues theirs; then random pages are read.
/// </summary>
public static class HistoryScenario
{
    /// <summary>The conversation the history is seeded in, and how: read by this scenario and by the record scenario.</summary>
    public sealed record Seeded(long Conversation, int ViaApi, long Bulk, double Seconds);

    public static async Task<Seeded> SeedAsync(BenchSettings settings, ParleyApi api, BenchUser owner, Action<string> log, CancellationToken ct)
    {
        log($"history: seeding {settings.HistoryMessages:N0} messages");
        var clock = Stopwatch.StartNew();
        var conversation = await Provisioner.CreateChannelAsync(api, owner, "history", [], ct);
        var viaApi = (int)Math.Min(settings.HistoryViaApi, settings.HistoryMessages);
        await Parallel.ForAsync(0, viaApi, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (i, token) =>
            await api.SendMessageAsync(conversation, $"History message sent through the API {i}.", owner.Token, token));
        var bulk = settings.HistoryMessages - viaApi;
        if (bulk > 0)
            await new HistorySeeder(settings.Database, settings.ConnectionString).SeedAsync(conversation, bulk, log, ct);
        var seedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        log($"  seeded in {seedSeconds} s");
        return new Seeded(conversation, viaApi, bulk, seedSeconds);
    }

    public static async Task<HistoryResult> RunAsync(BenchSettings settings, ParleyApi api, ServerProbe server, BenchUser owner, Seeded seeded,
        Action<string> log, CancellationToken ct)
    {
        var (conversation, viaApi, bulk, seedSeconds) = seeded;
        var stored = (await api.ReadPageAsync(conversation, null, owner.Token, ct)).LowestSeq + 49;
        log($"history: reading pages; newest seq {stored:N0}");

        // Warm-up reads (JIT, connection pool), then the measured reads: random positions across the whole history.
        var random = new Random(5);
        for (var i = 0; i < 50; i++)
            await api.ReadPageAsync(conversation, 51 + random.NextInt64(stored - 50), owner.Token, ct);
        var samples = new List<long>();
        var cpu0 = server.CpuSeconds();
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.HistoryDuration.TotalSeconds * Stopwatch.Frequency);
        while (samples.Count < settings.HistoryPages && Stopwatch.GetTimestamp() < deadline)
        {
            var before = samples.Count % 10 == 0 ? (long?)null : 51 + random.NextInt64(stored - 50);
            var t = Stopwatch.GetTimestamp();
            var (count, _) = await api.ReadPageAsync(conversation, before, owner.Token, ct);
            samples.Add(Stopwatch.GetTimestamp() - t);
            if (count != 50)
                throw new InvalidOperationException($"A page held {count} messages instead of 50.");
        }
        var cpuPerPage = Math.Round((server.CpuSeconds() - cpu0) * 1e6 / samples.Count, 0);
        var pages = Percentiles.Of([.. samples]);
        log($"  {samples.Count} pages: p50 {pages.P50} p90 {pages.P90} p99 {pages.P99} max {pages.Max} ms, {cpuPerPage} µs server CPU per page");

        bool? intact = null;
        if (settings.VerifyIntegrity)
        {
            log("  verifying the record (GET /api/v1/admin/integrity)...");
            var verify = Stopwatch.StartNew();
            intact = (await api.GetAsync<IntegrityResult>("/api/v1/admin/integrity", owner.Token, ct)).Intact;
            log($"  integrity: {(intact.Value ? "intact" : "BROKEN")} ({verify.Elapsed.TotalSeconds:0} s)");
        }
        return new HistoryResult(stored, viaApi, bulk, seedSeconds, samples.Count, pages, cpuPerPage, intact,
            $"{viaApi:N0} messages sent through POST /messages, {bulk:N0} bulk-inserted with a continuing hash chain; " +
            "one reader, 1 page in 10 the newest, the others at a random 'before' cursor.");
    }
}
