using System.Diagnostics;

namespace Parley.Bench;

/// <summary>
/// Everything one step of a ladder observes. Each message carries its step, its index and the sender's timestamp
/// (the time it was due, for the open loop) in its content, so a delivery is matched without any shared lookup.
/// Only messages due inside the measurement window count; warm-up traffic and stragglers are ignored.
/// </summary>
public sealed class StepRecorder(int stepId, int messageCapacity, int latencyCapacity)
{
    private readonly int[] _expected = new int[messageCapacity];
    private readonly int[] _received = new int[messageCapacity];
    private readonly long[] _due = new long[messageCapacity];
    private readonly long[] _latencies = new long[latencyCapacity];
    private readonly long[] _acks = new long[messageCapacity];
    private int _latencyCount, _ackCount, _nextMessage;
    private long _arrivedInWindow, _misdelivered, _outOfOrder, _sendErrors, _skipped, _droppedSamples;

    public int StepId => stepId;
    public long WindowStart { get; set; } = long.MaxValue;
    public long WindowEnd { get; set; } = long.MaxValue;

    public bool InWindow(long stamp) => stamp >= WindowStart && stamp < WindowEnd;

    /// <summary>Reserves the next message index, or -1 when the step's capacity is spent.</summary>
    public int NextMessage(long due)
    {
        var index = Interlocked.Increment(ref _nextMessage) - 1;
        if (index >= _due.Length)
            return -1;
        _due[index] = due;
        return index;
    }

    public static string Content(int stepId, int index, long stamp) => $"b{stepId}.{index}.{stamp}";

    public void Acknowledged(int index, int recipients, long ackTicks)
    {
        _expected[index] = recipients;
        if (InWindow(_due[index]))
            _acks[Interlocked.Increment(ref _ackCount) - 1] = ackTicks;
    }

    public void SendFailed(int index)
    {
        if (InWindow(_due[index]))
            Interlocked.Increment(ref _sendErrors);
    }

    public void Skipped(long due)
    {
        if (InWindow(due))
            Interlocked.Increment(ref _skipped);
    }

    public void Misdelivered() => Interlocked.Increment(ref _misdelivered);

    public void OutOfOrder() => Interlocked.Increment(ref _outOfOrder);

    /// <summary>Called by the receiving connection with the message's content.</summary>
    public void Delivered(string content, long now)
    {
        if (!TryParse(content, out var step, out var index, out var stamp) || step != stepId || index >= _received.Length)
            return;
        Interlocked.Increment(ref _received[index]);
        if (now >= WindowStart && now < WindowEnd)
            Interlocked.Increment(ref _arrivedInWindow);
        if (!InWindow(stamp))
            return;
        var slot = Interlocked.Increment(ref _latencyCount) - 1;
        if (slot < _latencies.Length)
            _latencies[slot] = now - stamp;
        else
            Interlocked.Increment(ref _droppedSamples);
    }

    /// <summary>True when every acknowledged message of the window reached all its recipients.</summary>
    public bool AllDelivered() => Missing() == 0;

    public long Missing()
    {
        long missing = 0;
        var count = Math.Min(Volatile.Read(ref _nextMessage), _due.Length);
        for (var i = 0; i < count; i++)
            if (InWindow(_due[i]) && _expected[i] > 0)
                missing += Math.Max(0, _expected[i] - Volatile.Read(ref _received[i]));
        return missing;
    }

    public StepCounts Counts()
    {
        var count = Math.Min(Volatile.Read(ref _nextMessage), _due.Length);
        long offeredInWindow = 0, sent = 0, expected = 0, received = 0;
        for (var i = 0; i < count; i++)
        {
            if (!InWindow(_due[i]))
                continue;
            offeredInWindow++;
            if (_expected[i] > 0)
            {
                sent++;
                expected += _expected[i];
                received += Math.Min(_expected[i], _received[i]);
            }
        }
        var samples = _latencies.AsSpan(0, Math.Min(_latencyCount, _latencies.Length)).ToArray();
        var acks = _acks.AsSpan(0, Math.Min(_ackCount, _acks.Length)).ToArray();
        return new StepCounts(offeredInWindow + _skipped, sent, _sendErrors, _skipped, expected, received, _arrivedInWindow,
            _misdelivered, _outOfOrder, Percentiles.Of(samples), Percentiles.Of(acks), _droppedSamples);
    }

    private static bool TryParse(string content, out int step, out int index, out long stamp)
    {
        step = index = 0;
        stamp = 0;
        var span = content.AsSpan();
        if (span.Length < 2 || span[0] != 'b')
            return false;
        span = span[1..];
        var a = span.IndexOf('.');
        if (a < 0 || !int.TryParse(span[..a], out step))
            return false;
        span = span[(a + 1)..];
        var b = span.IndexOf('.');
        return b >= 0 && int.TryParse(span[..b], out index) && long.TryParse(span[(b + 1)..], out stamp);
    }
}

public sealed record StepCounts(long Offered, long Sent, long SendErrors, long Skipped, long ExpectedDeliveries, long Delivered,
    long ArrivedInWindow, long Misdelivered, long OutOfOrder, Percentiles Latency, Percentiles Ack, long DroppedSamples);

/// <summary>Latency percentiles in milliseconds, from Stopwatch ticks.</summary>
public sealed record Percentiles(long Count, double P50, double P90, double P99, double Max)
{
    public static Percentiles Of(long[] ticks)
    {
        if (ticks.Length == 0)
            return new Percentiles(0, 0, 0, 0, 0);
        Array.Sort(ticks);
        double Ms(long t) => Math.Round(t * 1000.0 / Stopwatch.Frequency, 2);
        long At(double q) => ticks[Math.Min(ticks.Length - 1, (int)Math.Ceiling(q * ticks.Length) - 1)];
        return new Percentiles(ticks.Length, Ms(At(0.50)), Ms(At(0.90)), Ms(At(0.99)), Ms(ticks[^1]));
    }
}
