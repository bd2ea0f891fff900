using Microsoft.Extensions.Time.Testing;
using Parley.Server.Features.Accounts;
using Parley.Server.Platform;

namespace Parley.Tests;

public class SessionCacheTests
{
    private static readonly CachedSession Bob = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), OrgRole.Member, false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_stored_session_is_found_until_it_expires()
    {
        var clock = new FakeTimeProvider();
        var cache = new SessionCache(clock);

        cache.Store("hash", Bob, cache.Generation);
        clock.Advance(SessionCache.Lifetime - TimeSpan.FromSeconds(1));
        var before = cache.Find("hash");
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(Bob.SessionId, before?.SessionId);
        Assert.Null(cache.Find("hash"));
        Assert.Null(cache.Find("other"));
    }

    [Fact]
    public void Invalidating_forgets_every_session()
    {
        var cache = new SessionCache(new FakeTimeProvider());
        cache.Store("a", Bob, cache.Generation);
        cache.Store("b", Bob with { SessionId = Guid.NewGuid() }, cache.Generation);

        cache.Invalidate();

        Assert.Null(cache.Find("a"));
        Assert.Null(cache.Find("b"));
    }

    [Fact]
    public void A_lookup_that_started_before_an_invalidation_is_not_kept()
    {
        var cache = new SessionCache(new FakeTimeProvider());
        var generation = cache.Generation;   // the lookup reads the database...
        cache.Invalidate();                  // ...while the session is revoked and the revocation commits

        cache.Store("hash", Bob, generation);

        Assert.Null(cache.Find("hash"));
        cache.Store("hash", Bob, cache.Generation);
        Assert.NotNull(cache.Find("hash"));
    }

    [Fact]
    public void A_session_expires_at_its_lifetime_or_after_its_idle_timeout_whichever_comes_first()
    {
        var options = new SessionLifetimeOptions();
        var signedIn = DateTimeOffset.Parse("2026-01-05T09:00:00Z");

        Assert.False(options.IsExpired(signedIn, signedIn, signedIn + options.IdleTimeout - TimeSpan.FromSeconds(1)));
        Assert.True(options.IsExpired(signedIn, signedIn, signedIn + options.IdleTimeout));
        Assert.False(options.IsExpired(signedIn, signedIn + TimeSpan.FromDays(89), signedIn + TimeSpan.FromDays(90) - TimeSpan.FromSeconds(1)));
        Assert.True(options.IsExpired(signedIn, signedIn + TimeSpan.FromDays(89), signedIn + TimeSpan.FromDays(90)));
        Assert.Equal(TimeSpan.FromMinutes(5), options.SeenResolution);
        Assert.Equal(TimeSpan.FromSeconds(2), new SessionLifetimeOptions { IdleTimeout = TimeSpan.FromSeconds(20) }.SeenResolution);
    }
}
