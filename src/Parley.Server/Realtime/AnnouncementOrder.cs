using System.Collections.Concurrent;

namespace Parley.Server.Realtime;

/// <summary>
/// Pushes each conversation's message events in record order. Concurrent sends commit one after the other (the
/// conversation's lock), but their requests then announce in parallel, so without this a member could receive seq 6
/// before seq 5. An event waits for its predecessor's push (position − 1) to finish; if the predecessor never comes
/// (its request died between commit and announce, or is stuck in an overloaded server), it waits at most
/// <see cref="MaxWait"/>: the client's catch-up over HTTP covers whatever the hub misses. Ordering holds per node;
/// through a backplane, clients order by seq.
/// </summary>
public sealed class AnnouncementOrder(TimeProvider clock)
{
    // A push takes milliseconds; a predecessor this late is stuck (an overloaded server), and waiting for it longer
    // would only slow every later message of the conversation. Clients order by seq and catch up over HTTP anyway.
    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromMilliseconds(500);
    private readonly ConcurrentDictionary<long, Line> _lines = new();

    public TimeSpan MaxWait { get; init; } = DefaultMaxWait;

    private sealed class Line
    {
        public readonly Lock Gate = new();
        public readonly SemaphoreSlim Pushing = new(1, 1);
        public long Next = -1;                                  // the position whose turn it is; -1 until the first
        public TaskCompletionSource Advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task RunInOrderAsync(long conversationId, long position, Func<Task> push)
    {
        var line = _lines.GetOrAdd(conversationId, _ => new Line());
        var giveUp = Task.Delay(MaxWait, clock);
        while (true)
        {
            Task advanced;
            lock (line.Gate)
            {
                if (line.Next < 0 || position <= line.Next)
                    break;
                advanced = line.Advanced.Task;
            }
            if (await Task.WhenAny(advanced, giveUp) == giveUp)
                break;
        }

        await line.Pushing.WaitAsync();
        try
        {
            await push();
        }
        finally
        {
            TaskCompletionSource done;
            lock (line.Gate)
            {
                line.Next = Math.Max(line.Next, position + 1);
                done = line.Advanced;
                line.Advanced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            line.Pushing.Release();
            done.TrySetResult();
        }
    }
}
