using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Parley.Bench;

/// <summary>The part of a MessageCreated event the benchmark reads; the rest of the MessageDto is ignored.</summary>
public sealed record Delivery(long ConversationId, long Seq, string? Content);

/// <summary>
/// Hub connections, one per signed-in user, each recording what it receives into the current step. A user who
/// receives a message of a conversation they were not put in counts as a misdelivery; a seq lower than one already
/// seen in the same conversation counts as out of order.
/// </summary>
public sealed class LiveFleet(Uri hubUri) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, Connection> _connections = new();
    private volatile StepRecorder? _recorder;

    public int Count => _connections.Count;

    public StepRecorder? Recorder { get => _recorder; set => _recorder = value; }

    /// <summary>The conversations this user may receive messages from (the benchmark made them a member).</summary>
    public ConcurrentDictionary<int, HashSet<long>> Allowed { get; } = new();

    public async Task ConnectAsync(IEnumerable<BenchUser> users, int parallelism, CancellationToken ct)
    {
        var pending = users.Where(u => !_connections.ContainsKey(u.Index)).ToList();
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, async (user, token) =>
        {
            var hub = new HubConnectionBuilder()
                .WithUrl(hubUri, HttpTransportType.WebSockets, o =>
                {
                    o.SkipNegotiation = true;
                    o.AccessTokenProvider = () => Task.FromResult<string?>(user.Token);
                })
                .Build();
            hub.ServerTimeout = TimeSpan.FromMinutes(2);
            var connection = new Connection(this, user.Index, hub);
            hub.On<Delivery>("MessageCreated", connection.OnMessage);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await hub.StartAsync(timeout.Token);
            _connections[user.Index] = connection;
        });
    }

    public async Task DisconnectAllAsync()
    {
        var all = _connections.Values.ToList();
        _connections.Clear();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (c, _) => await c.Hub.DisposeAsync());
    }

    public ValueTask DisposeAsync() => new(DisconnectAllAsync());

    private sealed class Connection(LiveFleet fleet, int userIndex, HubConnection hub)
    {
        private readonly Dictionary<long, long> _lastSeq = [];
        public HubConnection Hub => hub;

        public void OnMessage(Delivery message)
        {
            var now = Stopwatch.GetTimestamp();
            var recorder = fleet._recorder;
            if (recorder is null || message.Content is null)
                return;
            if (!fleet.Allowed.TryGetValue(userIndex, out var allowed) || !allowed.Contains(message.ConversationId))
                recorder.Misdelivered();
            lock (_lastSeq)
            {
                if (_lastSeq.TryGetValue(message.ConversationId, out var last) && message.Seq <= last)
                    recorder.OutOfOrder();
                else
                    _lastSeq[message.ConversationId] = message.Seq;
            }
            recorder.Delivered(message.Content, now);
        }
    }
}
