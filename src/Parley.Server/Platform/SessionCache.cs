using System.Collections.Concurrent;
using Parley.Server.Features.Accounts;

namespace Parley.Server.Platform;

/// <summary>Who a valid token belongs to, as the last database lookup found it.</summary>
/// <remarks>
/// It keeps the session's creation and last use, so that a cached session expires like a stored one: the handler
/// checks <see cref="SessionLifetimeOptions.IsExpired"/> on every request, whether the answer came from here or the database.
/// </remarks>
/// <param name="MustEnrol">The organization requires two-factor and the user has not enrolled (see <see cref="EnrolmentGate"/>).</param>
/// <param name="Lifetime">The organization's session lifetime policy, when it has one.</param>
/// <param name="IdleTimeout">The organization's idle timeout policy, when it has one.</param>
public sealed record CachedSession(Guid SessionId, Guid UserId, Guid OrganizationId, OrgRole Role, bool IsOperator,
    DateTimeOffset CreatedAt, DateTimeOffset LastSeenAt, bool MustEnrol = false, TimeSpan? Lifetime = null, TimeSpan? IdleTimeout = null)
{
    public DateTimeOffset CachedAt { get; init; }
}

/// <summary>
/// Valid sessions by token hash, so that a request does not cost a database lookup to say who is calling. Anything
/// that ends a session or changes what its token allows (revoking it, deactivating the user, changing their role)
/// calls <see cref="Invalidate"/> after it commits: the next request of that token goes to the database again, so a
/// revoked token stops at once. A lookup that started before an invalidation is not stored (the generation check),
/// so a result read just before a revocation committed cannot outlive it. Entries also expire after
/// <see cref="Lifetime"/>, which bounds what another node could miss until invalidations travel between nodes.
/// </summary>
public sealed class SessionCache(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, CachedSession> _byTokenHash = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Read it before the database lookup and hand it back to <see cref="Store"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public CachedSession? Find(string tokenHash)
    {
        if (!_byTokenHash.TryGetValue(tokenHash, out var session))
            return null;
        if (clock.GetUtcNow() - session.CachedAt < Lifetime)
            return session;
        _byTokenHash.TryRemove(new KeyValuePair<string, CachedSession>(tokenHash, session));
        return null;
    }

    public void Store(string tokenHash, CachedSession session, long generation)
    {
        if (_byTokenHash.Count >= MaxEntries)
            _byTokenHash.Clear();   // rare (100,000 live tokens in 30 s); the next requests simply look up again
        _byTokenHash[tokenHash] = session with { CachedAt = clock.GetUtcNow() };
        if (Generation != generation)   // invalidated while the lookup ran: the result may be stale
            _byTokenHash.TryRemove(tokenHash, out _);
    }

    /// <summary>Forgets every cached session. Changes that call it are rare, so forgetting all is simpler than precise.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _byTokenHash.Clear();
    }
}
