using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Parley.Bench;

/// <summary>Merges the runs of each database into one JSON file and one Markdown section of docs/benchmarks.md.</summary>
public static class Report
{
    public const string Begin = "<!-- bench:results:begin -->", End = "<!-- bench:results:end -->";

    public sealed record Combined(DateTimeOffset GeneratedAt, string Command, List<RunResult> Runs);

    public static async Task<int> WriteAsync(string[] args)
    {
        string? json = null, markdown = null, command = "bench/run.sh";
        List<string> inputs = [];
        for (var i = 0; i < args.Length; i++)
            switch (args[i])
            {
                case "--json": json = args[++i]; break;
                case "--markdown": markdown = args[++i]; break;
                case "--command": command = args[++i]; break;
                default: inputs.Add(args[i]); break;
            }
        if (json is null || markdown is null || inputs.Count == 0)
            throw new ArgumentException("report needs --json, --markdown and at least one run file.");

        List<RunResult> runs = [];
        foreach (var input in inputs.Where(File.Exists))
            runs.Add(JsonSerializer.Deserialize<RunResult>(await File.ReadAllTextAsync(input), BenchMain.Output)!);
        var combined = new Combined(DateTimeOffset.UtcNow, command, runs);
        await File.WriteAllTextAsync(json, JsonSerializer.Serialize(combined, BenchMain.Output));

        var doc = File.Exists(markdown) ? await File.ReadAllTextAsync(markdown) : $"# Benchmarks\n\n{Begin}\n{End}\n";
        var (b, e) = (doc.IndexOf(Begin, StringComparison.Ordinal), doc.IndexOf(End, StringComparison.Ordinal));
        if (b < 0 || e < b)
            throw new ArgumentException($"{markdown} lacks the {Begin} and {End} markers.");
        doc = doc[..(b + Begin.Length)] + "\n" + Markdown(combined) + doc[e..];
        await File.WriteAllTextAsync(markdown, doc);
        BenchMain.Log($"Wrote {json} and the results section of {markdown}.");
        return 0;
    }

    public static string Markdown(Combined c)
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        void Line(string s) => md.Append(s).Append('\n');

        var first = c.Runs[0].Machine;
        Line($"Taken {c.GeneratedAt:yyyy-MM-dd HH:mm} UTC with `{c.Command}` on {first.Cores} cores ({first.Cpu}), {first.Runtime}, " +
             $"Linux {first.Kernel}. Load average before/after each run: " +
             string.Join("; ", c.Runs.Select(r => string.Create(inv, $"{r.Database} {r.Machine.LoadAverageBefore:0.0}/{r.Machine.LoadAverageAfter:0.0}"))) +
             ". The load generator runs on the same machine.");
        Line("");
        Line("| | target | " + string.Join(" | ", c.Runs.Select(r => r.Database)) + " |");
        Line("| --- | --- | " + string.Join(" | ", c.Runs.Select(_ => "---")) + " |");
        Line("| one-to-one, durable sends/s sustained (p99) | ≥ 4,000 (< 50 ms) | " + string.Join(" | ", c.Runs.Select(r => Best(r, "one-to-one", s => s.SentPerSecond))) + " |");
        Line("| group of 200, deliveries/s sustained (p99) | ≥ 20,000 (< 50 ms) | " + string.Join(" | ", c.Runs.Select(r => Best(r, "group", s => s.DeliveredPerSecond))) + " |");
        Line("| large channel, deliveries/s sustained (p99) | – | " + string.Join(" | ", c.Runs.Select(r => Best(r, "large channel", s => s.DeliveredPerSecond))) + " |");
        Line("| idle connections, server memory per connection | < 64 KiB | " + string.Join(" | ", c.Runs.Select(r => r.Idle is { } i ? $"{i.KiBPerConnection:0.0} KiB" : "–")) + " |");
        Line("| history, page of 50 with 1,000,000 stored, p99 | < 20 ms | " + string.Join(" | ", c.Runs.Select(r => r.History is { } h ? string.Create(inv, $"{h.PageMs.P99:0.0} ms") : "–")) + " |");
        Line("| one-to-one p99 at a fixed rate, alone → while the retention purge runs | < 50 ms | " + string.Join(" | ", c.Runs.Select(r => r.Purge is { } p
            ? string.Create(inv, $"{p.Baseline.LatencyMs.P99:0.0} → {p.During.LatencyMs.P99:0.0} ms")
            : "–")) + " |");
        Line("| retention purge, messages erased/s (hours for 1,000,000) | – | " + string.Join(" | ", c.Runs.Select(r => r.Purge is { } p
            ? string.Create(inv, $"{p.ErasedPerSecond:N0} ({(p.HoursForMillion is { } hours ? hours.ToString("0.0", inv) : "–")} h)")
            : "–")) + " |");
        Line("| closed loop maximum, one-to-one sends/s (p99) | – | " + string.Join(" | ", c.Runs.Select(r => Closed(r, "one-to-one", s => s.SentPerSecond))) + " |");
        Line("| closed loop maximum, group deliveries/s (p99) | – | " + string.Join(" | ", c.Runs.Select(r => Closed(r, "group", s => s.DeliveredPerSecond))) + " |");
        Line("");
        foreach (var run in c.Runs)
        {
            Line($"### {run.Database}");
            Line("");
            Line($"Run took {run.DurationSeconds:0} s; {string.Join("; ", run.Settings.Select(kv => $"{kv.Key}: {kv.Value}"))}.");
            Line("");
            Line("| scenario | step | sent/s | delivered/s | lost | errors | p50 | p90 | p99 | max | ack p99 | server CPU µs/delivery | server CPU | bench CPU | RSS MiB | sustained |");
            Line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            foreach (var s in run.Ladders.SelectMany(l => l.Steps).Concat(run.Purge is { } purged ? [purged.Baseline, purged.During] : Array.Empty<StepResult>()))
                Line(string.Create(inv, $"| {s.Scenario} | {s.Step} | {s.SentPerSecond:0} | {s.DeliveredPerSecond:0} | {s.Lost} | {s.SendErrors + s.Skipped} | " +
                    $"{s.LatencyMs.P50:0.0} | {s.LatencyMs.P90:0.0} | {s.LatencyMs.P99:0.0} | {s.LatencyMs.Max:0} | {s.AckMs.P99:0.0} | " +
                    $"{s.ServerCpuMicrosPerDelivery:0.0} | {s.ServerCpuPercent:0}% | {s.BenchCpuPercent:0}% | {s.ServerRssMiB:0} | {(s.Sustained ? "yes" : "no")} |"));
            if (run.Ladders.SelectMany(l => l.Steps).Sum(s => s.Misdelivered + s.OutOfOrder) is var odd and > 0)
                Line($"\nMisdelivered or out-of-order deliveries: {odd} (see latest.json).");
            if (run.Idle is { } idle)
            {
                Line("");
                Line("| idle connections | " + string.Join(" | ", idle.Points.Select(p => p.Connections.ToString("N0", inv))) + " |");
                Line("| --- | " + string.Join(" | ", idle.Points.Select(_ => "---:")) + " |");
                Line("| server RSS, MiB | " + string.Join(" | ", idle.Points.Select(p => p.RssMiB.ToString("0", inv))) + " |");
                Line("| seconds to connect the step | " + string.Join(" | ", idle.Points.Select(p => p.ConnectSeconds.ToString("0.0", inv))) + " |");
                Line(string.Create(inv, $"\nSlope: {idle.KiBPerConnection:0.0} KiB of server RSS per connection."));
            }
            if (run.RequestCost is { Count: > 0 } cost)
            {
                Line("");
                Line("| request (no one connected to deliver to) | clients | requests/s | server CPU µs/request |");
                Line("| --- | ---: | ---: | ---: |");
                foreach (var r in cost)
                    Line(string.Create(inv, $"| `{r.Request}` | {r.Clients} | {r.PerSecond:N0} | {(r.ServerCpuMicrosPerRequest is { } us ? us.ToString("N0", inv) : "none completed")} |"));
            }
            if (run.History is { } h)
            {
                var integrity = h.IntegrityVerified is { } ok ? (ok ? "intact." : "BROKEN.") : "not run in this pass.";
                Line(string.Format(inv, "\nHistory: {0:N0} messages stored ({1}) Seeded in {2:0} s. ", h.MessagesStored, h.Notes, h.SeedSeconds) +
                    string.Create(inv, $"{h.Pages} pages: p50 {h.PageMs.P50:0.0} ms, p90 {h.PageMs.P90:0.0} ms, p99 {h.PageMs.P99:0.0} ms, max {h.PageMs.Max:0.0} ms; " +
                    $"{h.ServerCpuMicrosPerPage:0} µs of server CPU per page. Integrity check: {integrity}"));
            }
            if (run.Purge is { } erasing)
            {
                var purgeOptions = string.Join(", ", erasing.Purge.Select(kv => $"{kv.Key} {kv.Value}"));
                var over = erasing.FinishedInStep ? "the purge's whole run (it finished within the step)" : "the step while purging";
                Line(string.Create(inv, $"\nRetention purge ({purgeOptions}): a maximum of {erasing.MaximumDays} days over {erasing.HistoryMessages:N0} messages " +
                    $"of which all but those sent through the API are 60 days old ({erasing.Notes}). **{erasing.Erased:N0} messages erased in " +
                    $"{erasing.Seconds:0.0} s over {over}: {erasing.ErasedPerSecond:N1}/s, so 1,000,000 take about " +
                    $"{(erasing.HoursForMillion is { } hours ? hours.ToString("0.0", inv) + " h" : "for ever")}.** One-to-one p99 " +
                    $"{erasing.Baseline.LatencyMs.P99:0.0} ms alone, {erasing.During.LatencyMs.P99:0.0} ms while purging (ack p99 {erasing.Baseline.AckMs.P99:0.0} → " +
                    $"{erasing.During.AckMs.P99:0.0} ms): **{(erasing.UnderLimit ? "under" : "OVER")} 50 ms**. " +
                    $"{(erasing.Stopped ? $"The purge stopped within {erasing.StopSeconds + 1:0} s of its request's cancellation." : "The purge went on erasing for 10 s after its request was cancelled.")} " +
                    $"Before the steps the log took in the seeded entries in {erasing.CatchUpSeconds:0} s."));
            }
            if (run.Record is { } rec)
            {
                var integrity = rec.IntegritySeconds is { } seconds
                    ? string.Create(inv, $"{(rec.Intact is true ? "intact" : "NOT intact")}, {rec.IntegrityEntries:N0} entries in {seconds:0.0} s")
                    : "did not finish";
                Line(string.Create(inv, $"\nRecord log: {rec.Pending:N0} entries pending when the seeding ended ({rec.SizeAtSeeded - rec.SizeBefore:N0} taken in " +
                    $"during it). The first checkpoint took them in and signed in {rec.CatchUpSeconds:0.0} s: {rec.EntriesPerSecond:N0} entries/s, " +
                    $"{rec.ServerCpuMicrosPerEntry:0} µs of server CPU per entry, log size {rec.CheckpointSize:N0}. A checkpoint after one more " +
                    $"message: median {rec.SignMsMedian:0.0} ms, max {rec.SignMsMax:0.0} ms. Integrity check: {integrity}" +
                    $", server RSS {rec.RssBeforeMiB:0} MiB before, {rec.RssPeakMiB:0} MiB at most during it, {rec.RssAfterMiB:0} MiB after."));
                Line("");
                Line("| proof | log size | p50 ms | p99 ms | max ms | server CPU µs/proof | hashes |");
                Line("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
                foreach (var p in rec.Proofs)
                    Line(string.Create(inv, $"| {p.Proof} | {p.Size:N0} | {p.Ms.P50:0.00} | {p.Ms.P99:0.00} | {p.Ms.Max:0.00} | {p.ServerCpuMicrosPerProof:N0} | {p.MeanHashes:0.0} |"));
            }
            if (run.Search is { } search)
            {
                Line(string.Create(inv, $"\nSearch (`POST /api/v1/search/messages`, one searcher, first page of 20) over {search.MessagesStored:N0} messages of ten words each from a 5,000-word vocabulary of log-uniform frequency (target: p99 under 50 ms):"));
                Line("");
                Line("| query | order | hits on page 1 | p50 ms | p99 ms | max ms | server CPU ms/query |");
                Line("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
                foreach (var row in search.Rows)
                    Line(string.Create(inv, $"| {row.Query} (`{row.Text}`) | {row.Sort} | {row.Hits} | {row.Ms.P50:0.0} | {row.Ms.P99:0.0} | {row.Ms.Max:0.0} | {row.ServerCpuMsPerQuery:0.0} |"));
            }
            if (run.Gdpr is { } g)
                Line(string.Create(inv, $"\nGDPR access export (`GET /api/v1/me/personal-data`) of the person who sent the {g.Messages:N0} history messages: " +
                    $"{g.Bytes / 1048576.0:0.0} MiB in {g.Seconds:0.0} s to the last byte ({g.MessagesPerSecond:N0} messages/s, {g.ServerCpuSeconds:0.0} s of " +
                    $"server CPU); 100,000 messages at this pace: {g.MinutesPer100000:0.0} min (target: within the hour)."));
            Line("");
        }
        return md.ToString();

        string Best(RunResult r, string scenario, Func<StepResult, double> value) =>
            r.Ladders.FirstOrDefault(l => l.Scenario == scenario)?.BestSustained is { } s
                ? string.Create(inv, $"{value(s):N0} ({s.LatencyMs.P99:0.0} ms)")
                : "none sustained";
        string Closed(RunResult r, string scenario, Func<StepResult, double> value) =>
            r.Ladders.FirstOrDefault(l => l.Scenario == scenario)?.Steps.LastOrDefault(s => s.Senders is not null) is { } s
                ? string.Create(inv, $"{value(s):N0} ({s.LatencyMs.P99:0.0} ms)")
                : "–";
    }
}
