using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;

namespace Parley.Server.Features.TwoFactor;

public static class SecondFactorChallenges
{
    public sealed record Started(string Token, DateTimeOffset ExpiresAt);

    /// <summary>
    /// Adds a challenge for the second step of this person's sign-in to the unit of work; the token is shown once. Their
    /// challenges that ended (expired or used) go, so that the table holds only live ones.
    /// </summary>
    public static async Task<Started> StartSecondFactorAsync(this ParleyDb db, User user, string deviceName, DateTimeOffset now,
        CancellationToken ct)
    {
        await db.SignInChallenges.Where(c => c.UserId == user.Id && (c.ExpiresAt <= now || c.UsedAt != null)).ExecuteDeleteAsync(ct);
        var token = Secrets.NewToken();
        var challenge = new SignInChallenge(user, Secrets.Hash(token), deviceName, now);
        db.SignInChallenges.Add(challenge);
        return new(token, challenge.ExpiresAt);
    }
}

/// <summary>The second step of a sign-in with two-factor on: the challenge of the first step and a code open the session.</summary>
public static class CompleteSignIn
{
    public sealed record Request
    {
        /// <summary>The <c>challenge</c> of the 401 <c>second-factor-required</c> answer to the password step.</summary>
        [Required, StringLength(100), UserText.Verbatim] public string Challenge { get; init; } = "";

        /// <summary>The 6-digit code of the authenticator app, or one of the recovery codes.</summary>
        [Required, StringLength(TwoFactorCodes.MaxCodeLength, MinimumLength = 1), UserText.Verbatim] public string Code { get; init; } = "";
    }

    public static async Task<Results<Ok<LoginResultDto>, ProblemHttpResult>> HandleAsync(
        Request request, ParleyDb db, TwoFactorCodes codes, LoginThrottle throttle, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var source = http.ClientAddress();
        var hash = Secrets.Hash(request.Challenge);
        await using var tx = await db.BeginWriteAsync(ct);
        // Taking an attempt is the first write: it locks the challenge, so its attempts and its single use are counted once.
        var taken = await db.SignInChallenges
            .Where(c => c.TokenHash == hash && c.UsedAt == null && c.Attempts < SignInChallenge.MaxAttempts && c.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Attempts, c => c.Attempts + 1), ct);
        var row = taken == 0 ? null : await db.SignInChallenges.AsNoTracking().Where(c => c.TokenHash == hash)
            .Join(db.Users, c => c.UserId, u => u.Id, (c, u) => new { Challenge = c, User = u })
            .Join(db.Organizations, x => x.User.OrganizationId, o => o.Id, (x, o) => new { x.Challenge, x.User, Organization = o })
            .SingleOrDefaultAsync(ct);
        var stored = row is null ? null : await db.ActiveTwoFactorAsync(row.User.Id, ct);
        if (row is null || stored is null || !row.User.IsActive || row.Organization.SuspendedAt is not null)
            return Problems.Of(401, "second-factor-challenge-invalid",
                "This sign-in has expired, was already used or had too many wrong codes. Sign in again with your password.");

        var email = row.User.NormalizedEmail;
        if (throttle.RetryAfter(email, source) is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await tx.CommitAsync(ct);   // the attempt counts
            return Problems.Of(429, "login-throttled", "Too many failed sign-ins for this account. Wait a few minutes, then try again.");
        }

        var check = await codes.CheckAndSpendAsync(db, stored, request.Code, now, ct);
        var user = await db.Users.SingleAsync(u => u.Id == row.User.Id, ct);
        if (check.Outcome != FactorOutcome.Accepted)
        {
            throttle.Failed(email, source);
            var reason = check.Outcome == FactorOutcome.Reused ? "reused" : "wrong";
            await db.AuditAsync(user.OrganizationId, AuditAction.SecondFactorFailed, user.Id, "user", user.Id.ToString(),
                new { reason, kind = check.RecoveryCodeUsed ? "recovery-code" : "authenticator", during = "sign-in" }, source, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            var left = SignInChallenge.MaxAttempts - row.Challenge.Attempts;   // read after this attempt was taken
            return check.Outcome == FactorOutcome.Reused
                ? Problems.Of(401, "second-factor-code-reused", check.RecoveryCodeUsed
                    ? "This recovery code was already used. Use another one."
                    : "This code was already used. Wait for the next code in your authenticator app.", new() { ["attemptsLeft"] = left })
                : Problems.Of(401, "second-factor-invalid", "The code is wrong. Check your authenticator app and try again.",
                    new() { ["attemptsLeft"] = left });
        }

        throttle.Succeeded(email, source);
        await db.SignInChallenges.Where(c => c.TokenHash == hash).ExecuteUpdateAsync(s => s.SetProperty(c => c.UsedAt, now), ct);
        if (check.RecoveryCodeUsed)
            await db.AuditAsync(user.OrganizationId, AuditAction.RecoveryCodeUsed, user.Id, "user", user.Id.ToString(),
                new { left = check.RecoveryCodesLeft, during = "sign-in" }, source, now, ct);
        var result = await db.OpenSessionAsync(user, row.Organization, row.Challenge.DeviceName, source, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(result);
    }
}
