using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Parley.Server.Features.Compliance;

namespace Parley.Bench;

/// <param name="Baseline">The one-to-one step before the purge starts.</param>
/// <param name="During">The same step while the purge erases the seeded history.</param>
/// <param name="Erased">Messages erased over <paramref name="Seconds"/>: from the start to the end of <paramref name="During"/> (warm-up
/// and drain included), or, when the purge ran out of messages before the step ended (<paramref name="FinishedInStep"/>), over the
/// purge's own time.</param>
/// <param name="Stopped">The purge stopped after its request was cancelled: a second passed without an erasure, within 10 s.</param>
/// <param name="StopSeconds">From the cancellation to the last erasure seen, to within a second.</param>
/// <param name="Purge">The server's retention options for this run (batch size, pause between batches).</param>
public sealed record PurgeResult(
    int MaximumDays, long HistoryMessages, double CatchUpSeconds, StepResult Baseline, StepResult During, long Erased, double Seconds,
    double ErasedPerSecond, double? HoursForMillion, bool FinishedInStep, bool Stopped, double StopSeconds, bool UnderLimit, Dictionary<string, string> Purge,
    string Notes);

/// <summary>
/// The retention purge against live traffic: one-to-one sends at a fixed open-loop rate, first alone, then while
/// <c>POST /api/v1/compliance/retention/purge</c> erases the seeded history (60 days old) under a 30-day maximum.
/// The endpoint runs the whole purge inside its request, so the benchmark sends it from a background task and, once the
/// step is measured, cancels the request: the server's purge stops with it (it obeys the request's cancellation) and
/// resumes from what is left on its next run. Erasures are counted from the history conversation's chain: each one
/// appends one entry, and nothing else writes there meanwhile.
/// </summary>
public static class PurgeScenario
{
    public static async Task<PurgeResult> RunAsync(BenchSettings settings, ParleyApi api, Ladder ladder, PickSender pick, BenchUser owner,
        HistoryScenario.Seeded seeded, Action<string> log, CancellationToken ct)
    {
        // The seeding wrote as many record entries as messages, which the log takes in behind the writers: taken in first,
        // so that neither step meets that catch-up, while the purge's own erasure entries are taken in as they come.
        log("purge: the record log takes in the seeded entries first (a checkpoint)");
        var catchUp = Stopwatch.StartNew();
        await api.PostAsync<JsonElement>("/api/v1/admin/record/checkpoints", new { }, owner.Token, ct);
        var catchUpSeconds = Math.Round(catchUp.Elapsed.TotalSeconds, 1);
        log(string.Create(CultureInfo.InvariantCulture, $"  done in {catchUpSeconds:0.0} s"));

        log($"purge: one-to-one at {settings.PurgeSendRate}/s, alone");
        var baseline = await ladder.OpenAsync("purge, baseline", settings.PurgeSendRate, pick, 2, ct);

        await api.PutAsync<JsonElement>($"/api/v1/compliance/retention/policies/conversations/{seeded.Conversation}",
            new { maximumDays = settings.PurgeMaximumDays }, owner.Token, ct);
        var before = await ChainLengthAsync(settings, seeded.Conversation, ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long finishedAt = 0;
        var started = Stopwatch.GetTimestamp();
        var purge = Task.Run(async () =>
        {
            await api.PostAsync<JsonElement>("/api/v1/compliance/retention/purge", new { }, owner.Token, cancel.Token);
            finishedAt = Stopwatch.GetTimestamp();
        }, CancellationToken.None);

        log($"purge: started with a maximum of {settings.PurgeMaximumDays} days; one-to-one at {settings.PurgeSendRate}/s while it runs");
        while (await ChainLengthAsync(settings, seeded.Conversation, ct) == before && !purge.IsCompleted)
        {
            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(60))
                throw new InvalidOperationException("The purge erased nothing in 60 s.");
            await Task.Delay(100, ct);
        }
        if (purge.IsFaulted)
            await purge;
        var (t0, erased0) = (Stopwatch.GetTimestamp(), await ChainLengthAsync(settings, seeded.Conversation, ct));
        var during = await ladder.OpenAsync("purge, while purging", settings.PurgeSendRate, pick, 2, ct);
        var (t1, erased1) = (Stopwatch.GetTimestamp(), await ChainLengthAsync(settings, seeded.Conversation, ct));
        var finished = purge.IsCompleted;

        await cancel.CancelAsync();
        try
        {
            await purge;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !ct.IsCancellationRequested)
        {
        }
        // The server learns of the cancellation when it sees the connection close, and stops at its next await: it has
        // stopped once a second passes without an erasure. On a loaded machine that takes a moment; ten seconds is a failure.
        var cancelled = Stopwatch.GetTimestamp();
        var atCancel = await ChainLengthAsync(settings, seeded.Conversation, ct);
        bool stopped;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var now = await ChainLengthAsync(settings, seeded.Conversation, ct);
            stopped = now == atCancel;
            if (stopped || Stopwatch.GetElapsedTime(cancelled) > TimeSpan.FromSeconds(10))
                break;
            atCancel = now;
        }
        var stopSeconds = Math.Round(Math.Max(0, Stopwatch.GetElapsedTime(cancelled).TotalSeconds - 1), 1);

        // When the purge ran out of work before the step ended, its rate is everything it erased over its own time.
        var (erased, seconds) = finished
            ? (atCancel - before, (finishedAt - started) / (double)Stopwatch.Frequency)
            : (erased1 - erased0, (t1 - t0) / (double)Stopwatch.Frequency);
        var rate = Math.Round(erased / seconds, 1);
        var result = new PurgeResult(settings.PurgeMaximumDays, settings.HistoryMessages, catchUpSeconds, baseline,
            during, erased, Math.Round(seconds, 1), rate, rate > 0 ? Math.Round(1_000_000 / rate / 3600, 2) : null,
            finished, stopped, stopSeconds, during.LatencyMs.P99 < StepResult.P99LimitMs, ServerOptions(),
            $"one-to-one open loop at {settings.PurgeSendRate}/s in {settings.PurgeWindow.TotalSeconds} s windows; the purge through " +
            "POST /api/v1/compliance/retention/purge, cancelled after the step; erasures counted from the conversation's chain");
        log(string.Create(CultureInfo.InvariantCulture,
            $"  purge: {erased:N0} erased in {seconds:0.0} s, {rate:N1}/s ({result.HoursForMillion:0.0} h for 1,000,000){(finished ? ", finished" : "")}; " +
            $"p99 {baseline.LatencyMs.P99} ms alone, {during.LatencyMs.P99} ms while purging; {(stopped ? $"stopped {stopSeconds:0} s after the cancellation" : "STILL ERASING 10 s after the cancellation")}"));
        return result;
    }

    /// <summary>The server inherits run.sh's environment: the options it runs with are those set there, else its defaults.</summary>
    private static Dictionary<string, string> ServerOptions()
    {
        var defaults = new RetentionOptions();
        string? Set(string name) => Environment.GetEnvironmentVariable($"Parley__Retention__{name}");
        var pause = Set(nameof(RetentionOptions.BatchPause)) is { } p ? TimeSpan.Parse(p, CultureInfo.InvariantCulture) : defaults.BatchPause;
        return new()
        {
            ["batch size"] = Set(nameof(RetentionOptions.BatchSize)) ?? defaults.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["pause between batches"] = $"{pause.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms",
        };
    }

    /// <summary>The conversation's last entry index, which each erasure moves by one.</summary>
    private static async Task<long> ChainLengthAsync(BenchSettings settings, long conversationId, CancellationToken ct)
    {
        await using DbConnection db = settings.Database == "Postgres"
            ? new NpgsqlConnection(settings.ConnectionString)
            : new SqliteConnection(settings.ConnectionString);
        await db.OpenAsync(ct);
        await using var command = db.CreateCommand();
        command.CommandText = $"SELECT \"LastEntryIndex\" FROM \"Conversations\" WHERE \"Id\" = {conversationId}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }
}
