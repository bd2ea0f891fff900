using System.Collections.Concurrent;

namespace Parley.Server.Platform;

/// <summary>
/// Slows password guessing against one account, whatever address it comes from: after
/// <see cref="FreeFailures"/> failures, each further attempt must wait twice as long as the last (up to 15 minutes).
/// A success clears the account's count. The per-IP rate limiter covers guessing across many accounts.
/// </summary>
public sealed class LoginThrottle(TimeProvider clock)
{
    public const int FreeFailures = 5;
    public const int MaxTracked = 100_000;
    private static readonly TimeSpan MaxLockout = TimeSpan.FromMinutes(15);
    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset LockedUntil)> _accounts = new();

    /// <summary>How long the caller must still wait before trying this account, or null.</summary>
    public TimeSpan? RetryAfter(string normalizedEmail) =>
        _accounts.TryGetValue(normalizedEmail, out var state) && state.LockedUntil > clock.GetUtcNow()
            ? state.LockedUntil - clock.GetUtcNow()
            : null;

    public void Failed(string normalizedEmail)
    {
        if (_accounts.Count >= MaxTracked)
            Forget();
        _accounts.AddOrUpdate(normalizedEmail,
            _ => (1, DateTimeOffset.MinValue),
            (_, state) =>
            {
                var failures = state.Failures + 1;
                if (failures < FreeFailures)
                    return (failures, DateTimeOffset.MinValue);
                var wait = TimeSpan.FromSeconds(Math.Min(MaxLockout.TotalSeconds, Math.Pow(2, failures - FreeFailures) * 30));
                return (failures, clock.GetUtcNow() + wait);
            });
    }

    /// <summary>
    /// Guessing across many (also unknown) emails must not grow memory without end: past <see cref="MaxTracked"/> entries,
    /// accounts that are not locked out are forgotten. The per-address rate limit slows such a sweep anyway.
    /// </summary>
    private void Forget()
    {
        var now = clock.GetUtcNow();
        foreach (var (email, state) in _accounts)
            if (state.LockedUntil <= now)
                _accounts.TryRemove(email, out _);
    }

    public void Succeeded(string normalizedEmail) => _accounts.TryRemove(normalizedEmail, out _);
}
