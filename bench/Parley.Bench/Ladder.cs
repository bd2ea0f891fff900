using System.Diagnostics;
using System.Net;

namespace Parley.Bench;

/// <summary>Timing of every step: warm-up, then the measured window, then at most Drain for late deliveries.</summary>
public sealed record StepTiming(TimeSpan Warmup, TimeSpan Window, TimeSpan Drain);

/// <summary>Who sends the next message, where, and how many connected users should receive it.</summary>
public delegate (long ConversationId, BenchUser Sender, int Recipients) PickSender(Random random);

/// <summary>
/// Runs steps of a scenario: open loop at a fixed offered rate (sends are due at fixed times whether or not earlier
/// ones were answered), or closed loop with a fixed number of senders that each wait for their acknowledgement.
/// </summary>
public sealed class Ladder(ParleyApi api, LiveFleet fleet, ServerProbe server, StepTiming timing, Action<string> log)
{
    private const int MaxOutstanding = 512;
    private static int _stepIds;
    private int _outstanding;

    public async Task<StepResult> OpenAsync(string scenario, double rate, PickSender pick, int recipientsPerMessage, CancellationToken ct)
    {
        var total = timing.Warmup + timing.Window;
        var recorder = NewRecorder(rate * total.TotalSeconds, rate * timing.Window.TotalSeconds * recipientsPerMessage);
        var random = new Random(recorder.StepId);
        var sends = new List<Task>();
        using var stepOver = StepCancellation(ct);
        var start = Stopwatch.GetTimestamp();
        var cpuWindow = BeginWindow(recorder, start);
        var end = recorder.WindowEnd;
        long dispatched = 0;
        while (Stopwatch.GetTimestamp() is var now && now < end)
        {
            var due = (long)((now - start) * rate / Stopwatch.Frequency) + 1;   // message i is due at start + i / rate
            for (; dispatched < due; dispatched++)
            {
                var at = start + (long)(dispatched * Stopwatch.Frequency / rate);
                if (Volatile.Read(ref _outstanding) >= MaxOutstanding)
                {
                    recorder.Skipped(at);
                    continue;
                }
                var (conversationId, sender, recipients) = pick(random);
                sends.Add(SendAsync(recorder, conversationId, sender, recipients, at, stepOver.Token));
            }
            await Task.Delay(1, ct);
        }
        return await FinishAsync(scenario, $"open {rate:0.#}/s", rate, null, recorder, sends, cpuWindow, ct);
    }

    public async Task<StepResult> ClosedAsync(string scenario, int senders, PickSender pick, int recipientsPerMessage, double expectedRate,
        CancellationToken ct)
    {
        var recorder = NewRecorder(expectedRate * (timing.Warmup + timing.Window).TotalSeconds * 2,
            expectedRate * 2 * timing.Window.TotalSeconds * recipientsPerMessage);
        using var stepOver = StepCancellation(ct);
        var start = Stopwatch.GetTimestamp();
        var cpuWindow = BeginWindow(recorder, start);
        var workers = Enumerable.Range(0, senders).Select(w => Task.Run(async () =>
        {
            var random = new Random(recorder.StepId * 1000 + w);
            while (Stopwatch.GetTimestamp() < recorder.WindowEnd && !ct.IsCancellationRequested)
            {
                var (conversationId, sender, recipients) = pick(random);
                await SendAsync(recorder, conversationId, sender, recipients, Stopwatch.GetTimestamp(), stepOver.Token);
            }
        }, ct)).ToList();
        return await FinishAsync(scenario, $"closed, {senders} senders", null, senders, recorder, workers, cpuWindow, ct);
    }

    /// <summary>Every step is bounded: sends still unanswered after warm-up, window and drain are abandoned (and counted).</summary>
    private CancellationTokenSource StepCancellation(CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timing.Warmup + timing.Window + timing.Drain);
        return cts;
    }

    private StepRecorder NewRecorder(double messages, double deliveries)
    {
        var recorder = new StepRecorder(Interlocked.Increment(ref _stepIds), (int)Math.Min(5_000_000, messages * 1.2 + 1000),
            (int)Math.Min(30_000_000, deliveries * 1.5 + 10_000));
        fleet.Recorder = recorder;
        return recorder;
    }

    /// <summary>Places the window after the warm-up; the returned task reads CPU (server and load generator) at its edges.</summary>
    private Task<(double Server, double Bench)> BeginWindow(StepRecorder recorder, long start)
    {
        recorder.WindowStart = start + (long)(timing.Warmup.TotalSeconds * Stopwatch.Frequency);
        recorder.WindowEnd = recorder.WindowStart + (long)(timing.Window.TotalSeconds * Stopwatch.Frequency);
        return Task.Run(async () =>
        {
            await Task.Delay(timing.Warmup);
            var (server0, bench0) = (server.CpuSeconds(), BenchCpu());
            await Task.Delay(timing.Window);
            return (server.CpuSeconds() - server0, BenchCpu() - bench0);
        });

        static double BenchCpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    }

    private async Task SendAsync(StepRecorder recorder, long conversationId, BenchUser sender, int recipients, long due, CancellationToken ct)
    {
        var index = recorder.NextMessage(due);
        if (index < 0)
            return;
        Interlocked.Increment(ref _outstanding);
        try
        {
            var status = await api.SendMessageAsync(conversationId, StepRecorder.Content(recorder.StepId, index, due), sender.Token, ct);
            if (status == HttpStatusCode.Created)
                recorder.Acknowledged(index, recipients, Stopwatch.GetTimestamp() - due);
            else
                recorder.SendFailed(index);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            recorder.SendFailed(index);
        }
        finally
        {
            Interlocked.Decrement(ref _outstanding);
        }
    }

    private async Task<StepResult> FinishAsync(string scenario, string label, double? rate, int? senders, StepRecorder recorder,
        List<Task> sends, Task<(double Server, double Bench)> cpuWindow, CancellationToken ct)
    {
        await Task.WhenAny(Task.WhenAll(sends), Task.Delay(timing.Drain + TimeSpan.FromSeconds(2), ct));
        var drainUntil = Stopwatch.GetTimestamp() + (long)(timing.Drain.TotalSeconds * Stopwatch.Frequency);
        while (!recorder.AllDelivered() && Stopwatch.GetTimestamp() < drainUntil)
            await Task.Delay(50, ct);
        var (serverCpu, benchCpu) = await cpuWindow;
        var serverRss = server.RssBytes();
        var counts = recorder.Counts();
        fleet.Recorder = null;
        var windowSeconds = timing.Window.TotalSeconds;
        var result = StepResult.From(scenario, label, rate, senders, windowSeconds, counts, serverCpu, benchCpu, serverRss);
        log($"  {result.Summary()}");
        return result;
    }
}
