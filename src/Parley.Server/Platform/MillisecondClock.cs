namespace Parley.Server.Platform;

/// <summary>
/// The server's clock, to the millisecond. Every stored time comes from it, so a time reads back exactly as it was
/// first answered: PostgreSQL keeps microseconds and SQLite (as stored here) a tenth of a millisecond, so a time with
/// the system clock's full precision came back shorter than the send had answered, and differently on each engine.
/// Milliseconds are also what JavaScript dates and the record's hashes hold.
/// </summary>
public sealed class MillisecondClock(TimeProvider inner) : TimeProvider
{
    public override DateTimeOffset GetUtcNow()
    {
        var now = inner.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;
    public override long TimestampFrequency => inner.TimestampFrequency;
    public override long GetTimestamp() => inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
