using System.Collections.Concurrent;

namespace Parley.Server.Realtime;

/// <summary>
/// Pushes each conversation's record events in record order. Writers of one conversation take their record
/// positions one after the other under the conversation's lock, but their requests then announce in parallel, so
/// without this a member could receive seq 6 before seq 5.
/// </summary>
/// <remarks>
/// A writer takes its <see cref="Turn"/> while it holds the conversation's lock, so turns are given in record order,
/// the very first one of a conversation included. After commit, <see cref="Turn.PushAsync"/> waits until every earlier
/// turn has ended, then pushes. A turn that never pushes (its transaction rolled back, or the request failed) ends
/// when it is disposed, but only after the turns before it: later events never overtake earlier ones, and nothing
/// waits for a turn that will not come. There is no time limit: every turn ends in a <c>finally</c>. Ordering holds
/// per node; through a backplane, clients order by position.
/// </remarks>
public sealed class AnnouncementOrder
{
    private readonly ConcurrentDictionary<long, Line> _lines = new();

    private sealed class Line
    {
        public Task Last = Task.CompletedTask;   // ends when the latest turn taken has ended
        public int Open;                         // turns taken and not yet ended; the line is dropped at zero
        public bool Dropped;
    }

    /// <summary>A turn in the conversation's line, not yet taken: see <see cref="Turn.Take"/>.</summary>
    public Turn For(long conversationId) => new(this, conversationId);

    private (Line Line, Task Previous) Enter(long conversationId, Task ended)
    {
        while (true)
        {
            var line = _lines.GetOrAdd(conversationId, _ => new Line());
            lock (line)
            {
                if (line.Dropped)
                    continue;                    // emptied and removed meanwhile: take a fresh line
                var previous = line.Last;
                line.Last = ended;
                line.Open++;
                return (line, previous);
            }
        }
    }

    private void Ended(long conversationId, Line line)
    {
        lock (line)
        {
            if (--line.Open > 0)
                return;
            line.Dropped = true;
            _lines.TryRemove(new KeyValuePair<long, Line>(conversationId, line));
        }
    }

    /// <summary>One writer's place in its conversation's line. Dispose it in a <c>finally</c> (<c>await using</c>).</summary>
    public sealed class Turn : IAsyncDisposable
    {
        private readonly AnnouncementOrder _order;
        private readonly long _conversationId;
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Line? _line;
        private Task? _previous;
        private int _used;

        internal Turn(AnnouncementOrder order, long conversationId) => (_order, _conversationId) = (order, conversationId);

        /// <summary>
        /// Takes the next place in the conversation's line. Call it while the conversation's lock is held (right after
        /// <c>AdvanceAsync</c>): that is what makes the order of the line the order of the record.
        /// </summary>
        public void Take()
        {
            if (_line is not null)
                throw new InvalidOperationException("This turn was already taken.");
            (_line, _previous) = _order.Enter(_conversationId, _ended.Task);
        }

        /// <summary>Waits for the earlier turns of the conversation, pushes, and ends this turn.</summary>
        public async Task PushAsync(Func<Task> push)
        {
            if (_previous is null)
                throw new InvalidOperationException("Take the turn under the conversation's lock first.");
            if (Interlocked.Exchange(ref _used, 1) != 0)
                throw new InvalidOperationException("This turn was already used.");
            try
            {
                await _previous;
                await push();
            }
            finally
            {
                End();
            }
        }

        /// <summary>Ends a turn that did not push (nothing was committed), once the turns before it have ended.</summary>
        public ValueTask DisposeAsync()
        {
            if (_previous is not null && Interlocked.Exchange(ref _used, 1) == 0)
                _previous.ContinueWith(_ => End(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return ValueTask.CompletedTask;
        }

        private void End()
        {
            _order.Ended(_conversationId, _line!);
            _ended.TrySetResult();
        }
    }
}
