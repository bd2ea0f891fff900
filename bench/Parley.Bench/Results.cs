using System.Globalization;

namespace Parley.Bench;

/// <summary>One step of a ladder, as it goes into latest.json and the Markdown table.</summary>
public sealed record StepResult(
    string Scenario, string Step, double? OfferedPerSecond, int? Senders, double SentPerSecond, double DeliveredPerSecond,
    long Sent, long Delivered, long Lost, long SendErrors, long Skipped, long Misdelivered, long OutOfOrder,
    Percentiles LatencyMs, Percentiles AckMs, double ServerCpuMicrosPerDelivery, double ServerCpuPercent, double BenchCpuPercent,
    double ServerRssMiB, bool Sustained)
{
    public const double P99LimitMs = 50;

    public static StepResult From(string scenario, string step, double? rate, int? senders, double windowSeconds, StepCounts c,
        double serverCpuSeconds, double benchCpuSeconds, long serverRss)
    {
        var lost = c.ExpectedDeliveries - c.Delivered;
        var enoughSent = rate is not { } r || c.Sent >= 0.95 * r * windowSeconds;
        var sustained = enoughSent && c.Sent > 0 && lost == 0 && c.SendErrors == 0 && c.Misdelivered == 0 && c.Latency.P99 < P99LimitMs;
        return new StepResult(scenario, step, rate, senders,
            Math.Round(c.Sent / windowSeconds, 1), Math.Round(c.Delivered / windowSeconds, 1), c.Sent, c.Delivered, lost,
            c.SendErrors, c.Skipped, c.Misdelivered, c.OutOfOrder, c.Latency, c.Ack,
            c.Delivered == 0 ? 0 : Math.Round(serverCpuSeconds * 1e6 / c.Delivered, 1),
            Math.Round(100 * serverCpuSeconds / windowSeconds, 0), Math.Round(100 * benchCpuSeconds / windowSeconds, 0),
            Math.Round(serverRss / 1048576.0, 0), sustained);
    }

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Step,-22} sent {SentPerSecond,8:0}/s delivered {DeliveredPerSecond,9:0}/s lost {Lost} err {SendErrors} skip {Skipped} " +
        $"p50 {LatencyMs.P50} p99 {LatencyMs.P99} max {LatencyMs.Max} ms, ack p99 {AckMs.P99} ms, server {ServerCpuPercent}% " +
        $"({ServerCpuMicrosPerDelivery} µs/delivery), bench {BenchCpuPercent}%, RSS {ServerRssMiB} MiB{(Sustained ? ", sustained" : "")}");
}

public sealed record LadderResult(string Scenario, string Description, List<StepResult> Steps)
{
    /// <summary>The highest sustained step (open or closed loop), by delivered messages per second.</summary>
    public StepResult? BestSustained => Steps.Where(s => s.Sustained).MaxBy(s => s.DeliveredPerSecond);
}

public sealed record IdlePoint(int Connections, double RssMiB, double ConnectSeconds);

public sealed record IdleResult(List<IdlePoint> Points, double KiBPerConnection);

public sealed record HistoryResult(long MessagesStored, int SentThroughApi, long BulkInserted, double SeedSeconds, int Pages,
    Percentiles PageMs, double ServerCpuMicrosPerPage, bool? IntegrityVerified, string Notes);

public sealed record MachineInfo(int Cores, string Cpu, double LoadAverageBefore, double LoadAverageAfter, string Kernel, string Runtime);

public sealed record RunResult(
    string Database, DateTimeOffset StartedAt, double DurationSeconds, MachineInfo Machine, Dictionary<string, string> Settings,
    List<LadderResult> Ladders, IdleResult? Idle, HistoryResult? History, List<RequestCostResult>? RequestCost = null, RecordResult? Record = null,
    GdprResult? Gdpr = null, PurgeResult? Purge = null, SearchResult? Search = null);

/// <summary>Search over the seeded history: one row per kind of query.</summary>
public sealed record SearchResult(long MessagesStored, List<SearchRow> Rows);

/// <param name="Hits">Hits on the first page (at most 20).</param>
public sealed record SearchRow(string Query, string Text, string Sort, int Hits, Percentiles Ms, double ServerCpuMsPerQuery);

/// <summary>The GDPR access export of the history's sender: seconds to the last byte, size, server CPU, and the time 100,000 messages would take.</summary>
public sealed record GdprResult(long Messages, double Seconds, long Bytes, double ServerCpuSeconds, double MessagesPerSecond, double MinutesPer100000);
