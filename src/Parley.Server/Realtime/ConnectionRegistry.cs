using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Parley.Server.Realtime;

/// <summary>
/// This node's live hub connections, by user and by session: presence comes from it, and revoking a session or
/// deactivating a user aborts that session's sockets at once instead of at their next reconnect.
/// </summary>
public sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, (Guid UserId, Guid SessionId, HubCallerContext Context)> _connections = new();
    private readonly ConcurrentDictionary<Guid, int> _perUser = new();

    /// <summary>True when this was the user's first connection (they just came online).</summary>
    public bool Add(Guid userId, Guid sessionId, HubCallerContext context)
    {
        _connections[context.ConnectionId] = (userId, sessionId, context);
        return _perUser.AddOrUpdate(userId, 1, (_, n) => n + 1) == 1;
    }

    /// <summary>True when that was the user's last connection (they just went offline).</summary>
    public bool Remove(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var entry))
            return false;
        var left = _perUser.AddOrUpdate(entry.UserId, 0, (_, n) => n - 1);
        if (left > 0)
            return false;
        _perUser.TryRemove(new KeyValuePair<Guid, int>(entry.UserId, 0));
        return true;
    }

    public bool IsOnline(Guid userId) => _perUser.TryGetValue(userId, out var n) && n > 0;

    public void AbortSession(Guid sessionId)
    {
        foreach (var (_, entry) in _connections)
            if (entry.SessionId == sessionId)
                entry.Context.Abort();
    }

    public void AbortUser(Guid userId)
    {
        foreach (var (_, entry) in _connections)
            if (entry.UserId == userId)
                entry.Context.Abort();
    }
}
