using System.Collections.Concurrent;

namespace Parley.Server.Platform;

/// <summary>
/// Slows password guessing without letting a stranger lock the owner out (OWASP's authentication cheat sheet).
/// Failures count per account <em>and source address</em>: after <see cref="FreeFailures"/> failures from one address,
/// that address must wait before trying the account again, twice as long after each further failure (up to 15
/// minutes); the owner, signing in from their own address, is not affected. Across all addresses, an account that
/// fails more than <see cref="AccountCeiling"/> times within <see cref="AccountWindow"/> is being guessed from many
/// addresses: each address then gets one failure before it must wait, which slows the guessing to one try per address
/// and lockout period, and still locks nobody out who knows the password. A success clears its own address's count
/// only. The per-address rate limit covers guessing across many accounts.
/// </summary>
public sealed class LoginThrottle(TimeProvider clock)
{
    public const int FreeFailures = 5;
    public const int AccountCeiling = 100;
    public const int MaxTracked = 100_000;
    public static readonly TimeSpan AccountWindow = TimeSpan.FromHours(1);
    private static readonly TimeSpan MaxLockout = TimeSpan.FromMinutes(15);
    private readonly ConcurrentDictionary<(string Email, string Source), (int Failures, DateTimeOffset LockedUntil)> _pairs = new();
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset WindowStart)> _accounts = new();

    /// <summary>How long this source must still wait before trying this account, or null.</summary>
    public TimeSpan? RetryAfter(string normalizedEmail, string source)
    {
        var now = clock.GetUtcNow();
        return _pairs.TryGetValue((normalizedEmail, source), out var state) && state.LockedUntil > now ? state.LockedUntil - now : null;
    }

    public void Failed(string normalizedEmail, string source)
    {
        if (_pairs.Count >= MaxTracked || _accounts.Count >= MaxTracked)
            Forget();
        var now = clock.GetUtcNow();
        var account = _accounts.AddOrUpdate(normalizedEmail,
            _ => (1, now),
            (_, state) => now - state.WindowStart >= AccountWindow ? (1, now) : (state.Failures + 1, state.WindowStart));
        var free = account.Failures > AccountCeiling ? 1 : FreeFailures;
        _pairs.AddOrUpdate((normalizedEmail, source), _ => Next(0, free, now), (_, state) => Next(state.Failures, free, now));
    }

    public void Succeeded(string normalizedEmail, string source) => _pairs.TryRemove((normalizedEmail, source), out _);

    private static (int Failures, DateTimeOffset LockedUntil) Next(int failures, int free, DateTimeOffset now)
    {
        failures++;
        if (failures < free)
            return (failures, DateTimeOffset.MinValue);
        var wait = TimeSpan.FromSeconds(Math.Min(MaxLockout.TotalSeconds, Math.Pow(2, failures - free) * 30));
        return (failures, now + wait);
    }

    /// <summary>
    /// Guessing across many (also unknown) emails and addresses must not grow memory without end: past
    /// <see cref="MaxTracked"/> entries, pairs that are not locked out and accounts whose window has passed are forgotten.
    /// </summary>
    private void Forget()
    {
        var now = clock.GetUtcNow();
        foreach (var (pair, state) in _pairs)
            if (state.LockedUntil <= now)
                _pairs.TryRemove(pair, out _);
        foreach (var (email, state) in _accounts)
            if (now - state.WindowStart >= AccountWindow)
                _accounts.TryRemove(email, out _);
    }
}
