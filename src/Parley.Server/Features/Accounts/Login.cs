using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Organizations;
using Parley.Server.Features.TwoFactor;
using Parley.Server.Platform;

namespace Parley.Server.Features.Accounts;

/// <summary>One organization the caller may choose at sign-in.</summary>
public sealed record OrganizationChoiceDto(Guid Id, string Name);

public static class Login
{
    public sealed record Request
    {
        [Required, StringLength(User.MaxEmailLength)] public string Email { get; init; } = "";
        [Required, StringLength(PasswordOptions.MaxLength), UserText.Verbatim] public string Password { get; init; } = "";

        /// <summary>Shown in the user's list of signed-in devices, e.g. "Firefox on laptop".</summary>
        [Required, StringLength(Session.MaxDeviceNameLength, MinimumLength = 1)] public string DeviceName { get; init; } = "";

        /// <summary>
        /// Which organization to sign in to, when the email has an account in several: send it again with one of the
        /// <c>organizations</c> of the 409 <c>organization-choice-required</c> answer.
        /// </summary>
        public Guid? OrganizationId { get; init; }
    }

    /// <summary>
    /// Signs in to the one account that this email and password open. When they open accounts in several
    /// organizations and none was chosen, answers 409 <c>organization-choice-required</c> with those organizations.
    /// Every failure (unknown email, wrong password, deactivated account, suspended organization, an organization where
    /// the email has no account) is the same 401 at the same cost: its audit event is written after the answer.
    /// </summary>
    public static async Task<Results<Ok<LoginResultDto>, ProblemHttpResult>> HandleAsync(
        Request request, ParleyDb db, PasswordHasher passwords, LoginThrottle throttle, FailedSignIns failures, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        var email = User.Normalize(request.Email);
        var source = http.ClientAddress();
        if (throttle.RetryAfter(email, source) is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Problems.Of(429, "login-throttled", "Too many failed sign-ins for this account. Wait a few minutes, then try again.");
        }

        var accounts = await db.Users
            .Where(u => u.NormalizedEmail == email && (request.OrganizationId == null || u.OrganizationId == request.OrganizationId))
            .Join(db.Organizations, u => u.OrganizationId, o => o.Id, (u, o) => new Account(u, o))
            .ToListAsync(ct);
        var now = clock.GetUtcNow();
        if (accounts.Count == 0)
            passwords.SpendEquivalentTime(request.Password);

        var opened = new List<Account>();
        var refused = new List<(Account Account, string Reason)>();
        foreach (var account in accounts.OrderBy(a => a.Organization.Name, StringComparer.Ordinal).ThenBy(a => a.Organization.Id))
        {
            var reason = !passwords.Verify(account.User.PasswordHash, request.Password) ? "password"
                : !account.User.IsActive ? "deactivated"
                : account.Organization.SuspendedAt is not null ? "suspended"
                : !account.Organization.PasswordSignInAllowed ? "password-disabled"
                : null;
            if (reason is null)
                opened.Add(account);
            else
                refused.Add((account, reason));
        }

        if (opened.Count == 0)
        {
            throttle.Failed(email, source);
            foreach (var (account, reason) in refused)
                failures.Enqueue(new FailedSignIns.Failure(account.Organization.Id, account.User.Id, reason, source, now));
            // Said only to someone whose password was right: a stranger cannot learn how an organization signs in.
            if (refused.FirstOrDefault(r => r.Reason == "password-disabled") is { Account: { } closed })
                return Problems.Of(403, "password-sign-in-disabled",
                    "Your organization signs in through its identity provider only. Use the single sign-on button.",
                    new() { ["organizationId"] = closed.Organization.Id });
            return Problems.Of(401, "invalid-credentials", "The email or password is wrong.");
        }
        throttle.Succeeded(email, source);
        if (opened.Count > 1)
            return Problems.Of(409, "organization-choice-required",
                "This email has an account in several organizations. Choose one and sign in again with its organizationId.",
                new() { ["organizations"] = opened.Select(a => new OrganizationChoiceDto(a.Organization.Id, a.Organization.Name)).ToList() });

        var (user, org) = opened[0];
        if (passwords.NeedsRehash(user.PasswordHash))
            user.SetPasswordHash(passwords.Hash(request.Password));
        await using var tx = await db.BeginWriteAsync(ct);
        return await db.FinishSignInAsync(tx, user, org, request.DeviceName, source, now, null, ct);
    }

    private sealed record Account(User User, Organization Organization);
}

public static class SessionOpening
{
    /// <summary>
    /// The end of every sign-in (password or single sign-on), in the write transaction <paramref name="tx"/>, which it
    /// commits: a person with two-factor on gets a challenge (401 <c>second-factor-required</c>), anyone else a session.
    /// </summary>
    /// <param name="method">How the person proved who they are, for the audit event; null for a password.</param>
    public static async Task<Results<Ok<LoginResultDto>, ProblemHttpResult>> FinishSignInAsync(this ParleyDb db,
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction tx, User user, Organization org, string deviceName, string? address,
        DateTimeOffset now, string? method, CancellationToken ct)
    {
        if (await db.TwoFactorSecrets.AnyAsync(t => t.UserId == user.Id && t.ConfirmedAt != null, ct))
        {
            // The first factor was right, but it opens no session: the challenge does, with a code (CompleteSignIn).
            var challenge = await db.StartSecondFactorAsync(user, deviceName, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return Problems.Of(401, "second-factor-required",
                "Enter the code from your authenticator app, or a recovery code.",
                new() { ["challenge"] = challenge.Token, ["expiresAt"] = challenge.ExpiresAt });
        }
        var result = await db.OpenSessionAsync(user, org, deviceName, address, now, ct, method);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(result);
    }

    /// <summary>
    /// Adds a new session of the user on the named device, and its audit event, to the unit of work. Call inside the
    /// write transaction that commits it.
    /// </summary>
    public static async Task<LoginResultDto> OpenSessionAsync(this ParleyDb db, User user, Organization org, string deviceName,
        string? address, DateTimeOffset now, CancellationToken ct, string? method = null)
    {
        var token = Secrets.NewToken();
        var session = new Session(user, deviceName, Secrets.Hash(token), address, now);
        db.Sessions.Add(session);
        await db.AuditAsync(user.OrganizationId, AuditAction.LoginSucceeded, user.Id, "session", session.Id.ToString(),
            method is null ? new { device = session.DeviceName } : new { device = session.DeviceName, method }, address, now, ct);
        var mustEnrol = org.TwoFactorRequired && !await db.TwoFactorSecrets.AnyAsync(t => t.UserId == user.Id && t.ConfirmedAt != null, ct);
        var me = new MeDto(user.Id, org.Id, org.Name, user.DisplayName, user.Handle, user.Email, AccountDtos.RoleName(user.Role),
            user.IsOperator, session.Id, mustEnrol);
        return new LoginResultDto(token, session.Id, me);
    }
}
