using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;

namespace Parley.Server.Features.TwoFactor;

/// <param name="Enabled">Sign-in asks for a second factor.</param>
/// <param name="Pending">An enrolment was started and waits for its first code.</param>
/// <param name="RequiredByOrganization">The organization requires two-factor of everyone.</param>
public sealed record TwoFactorStatusDto(bool Enabled, bool Pending, int RecoveryCodesLeft, bool RequiredByOrganization);

/// <param name="Secret">The shared secret in base32, to type into an app that cannot read the URI. Shown once.</param>
/// <param name="OtpAuthUri">The <c>otpauth://totp/…</c> URI that authenticator apps read, as a QR code or a link.</param>
public sealed record TwoFactorEnrolmentDto(string Secret, string OtpAuthUri, int Digits, int Period, string Algorithm);

/// <param name="RecoveryCodes">Ten single-use codes, shown this once and kept only as hashes.</param>
public sealed record RecoveryCodesDto(List<string> RecoveryCodes);

/// <summary>A current code of the authenticator app, or an unused recovery code (which is spent).</summary>
public sealed record CodeRequest
{
    [Required, StringLength(TwoFactorCodes.MaxCodeLength, MinimumLength = 1), UserText.Verbatim] public string Code { get; init; } = "";
}

public static class GetTwoFactor
{
    public static async Task<Ok<TwoFactorStatusDto>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var stored = await db.TwoFactorSecrets.AsNoTracking().SingleOrDefaultAsync(t => t.UserId == me.Id, ct);
        var left = await db.RecoveryCodes.CountAsync(r => r.UserId == me.Id && r.UsedAt == null, ct);
        var required = await db.Organizations.Where(o => o.Id == me.OrganizationId).Select(o => o.TwoFactorRequired).SingleAsync(ct);
        return TypedResults.Ok(new TwoFactorStatusDto(stored?.IsActive == true, stored is { IsActive: false },
            stored?.IsActive == true ? left : 0, required));
    }
}

public static class StartTwoFactorEnrolment
{
    /// <summary>A new secret, to confirm with a first code. Starting again replaces an enrolment not yet confirmed.</summary>
    public static async Task<Results<Ok<TwoFactorEnrolmentDto>, ProblemHttpResult>> HandleAsync(
        CurrentUser me, ParleyDb db, TwoFactorCodes codes, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var user = await db.Users.SingleAsync(u => u.Id == me.Id, ct);
        var orgName = await db.Organizations.Where(o => o.Id == me.OrganizationId).Select(o => o.Name).SingleAsync(ct);
        var stored = await db.TwoFactorSecrets.SingleOrDefaultAsync(t => t.UserId == me.Id, ct);
        if (stored is { IsActive: true })
            return Problems.Conflict("two-factor-already-enabled", "Two-factor sign-in is already on. Turn it off first to set up another app.");
        var (base32, protectedSecret) = codes.NewSecret();
        if (stored is null)
            db.TwoFactorSecrets.Add(new TwoFactorSecret(user, protectedSecret, now));
        else
            stored.Restart(protectedSecret, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new TwoFactorEnrolmentDto(base32, TwoFactorCodes.OtpAuthUri(base32, user.Email, orgName),
            TwoFactorCodes.Digits, TwoFactorCodes.StepSeconds, "SHA1"));
    }
}

public static class ConfirmTwoFactorEnrolment
{
    /// <summary>The first code from the app turns two-factor on, and the answer carries the recovery codes, once.</summary>
    public static async Task<Results<Ok<RecoveryCodesDto>, ProblemHttpResult>> HandleAsync(
        CodeRequest request, CurrentUser me, ParleyDb db, TwoFactorCodes codes, SessionCache sessions, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var stored = await db.TwoFactorSecrets.SingleOrDefaultAsync(t => t.UserId == me.Id, ct);
        if (stored is null)
            return Problems.Conflict("two-factor-not-started", "Start the setup first: the server makes the secret.");
        if (stored.IsActive)
            return Problems.Conflict("two-factor-already-enabled", "Two-factor sign-in is already on.");
        if (codes.MatchingStep(stored, request.Code, now) is not { } step)
        {
            await db.AuditAsync(me, AuditAction.SecondFactorFailed, "user", me.Id.ToString(),
                new { reason = "wrong", kind = "authenticator", during = "enrolment" }, http, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return Problems.Unprocessable("second-factor-invalid",
                "The code is wrong. Check that the app's clock is right and enter the code it shows now.");
        }
        var user = await db.Users.SingleAsync(u => u.Id == me.Id, ct);
        stored.Confirm(step, now);
        var recovery = await db.NewRecoveryCodesAsync(user, now, ct);
        await db.AuditAsync(me, AuditAction.TwoFactorEnabled, "user", me.Id.ToString(), new { method = "totp" }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        sessions.Invalidate();   // a session kept to the enrolment by the organization's policy is free from its next request
        return TypedResults.Ok(new RecoveryCodesDto(recovery));
    }
}

public static class RegenerateRecoveryCodes
{
    /// <summary>Ten new recovery codes; the old ones stop working. Needs a current code (or a recovery code).</summary>
    public static async Task<Results<Ok<RecoveryCodesDto>, ProblemHttpResult>> HandleAsync(
        CodeRequest request, CurrentUser me, ParleyDb db, TwoFactorCodes codes, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        if (await ProvenAsync(db, codes, me, request.Code, "recovery-codes", http, now, ct) is { } refused)
        {
            await tx.CommitAsync(ct);
            return refused;
        }
        var user = await db.Users.SingleAsync(u => u.Id == me.Id, ct);
        var recovery = await db.NewRecoveryCodesAsync(user, now, ct);
        await db.AuditAsync(me, AuditAction.RecoveryCodesRegenerated, "user", me.Id.ToString(), null, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new RecoveryCodesDto(recovery));
    }

    /// <summary>
    /// Checks that the caller holds the second factor now: null when so (and a recovery code used is audited), otherwise
    /// the problem to answer, with the failure audited. Commit the transaction either way.
    /// </summary>
    internal static async Task<ProblemHttpResult?> ProvenAsync(ParleyDb db, TwoFactorCodes codes, CurrentUser me, string code,
        string during, HttpContext http, DateTimeOffset now, CancellationToken ct)
    {
        var stored = await db.ActiveTwoFactorAsync(me.Id, ct);
        if (stored is null)
            return Problems.Conflict("two-factor-not-enabled", "Two-factor sign-in is not on.");
        var check = await codes.CheckAndSpendAsync(db, stored, code, now, ct);
        var kind = check.RecoveryCodeUsed ? "recovery-code" : "authenticator";
        if (check.Outcome == FactorOutcome.Accepted)
        {
            if (check.RecoveryCodeUsed)
                await db.AuditAsync(me, AuditAction.RecoveryCodeUsed, "user", me.Id.ToString(), new { left = check.RecoveryCodesLeft, during }, http, now, ct);
            return null;
        }
        var reused = check.Outcome == FactorOutcome.Reused;
        await db.AuditAsync(me, AuditAction.SecondFactorFailed, "user", me.Id.ToString(),
            new { reason = reused ? "reused" : "wrong", kind, during }, http, now, ct);
        await db.SaveChangesAsync(ct);
        return reused
            ? Problems.Unprocessable("second-factor-code-reused", "This code was already used. Wait for the next code in your authenticator app.")
            : Problems.Unprocessable("second-factor-invalid", "The code is wrong. Enter the code your authenticator app shows now.");
    }
}

public static class DisableTwoFactor
{
    /// <summary>
    /// Turns two-factor off. It takes a current code (or a recovery code), not the password: a stolen session that
    /// learned the password should not be able to strip the second factor.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(
        CodeRequest request, CurrentUser me, ParleyDb db, TwoFactorCodes codes, SessionCache sessions, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        if (await RegenerateRecoveryCodes.ProvenAsync(db, codes, me, request.Code, "disable", http, now, ct) is { } refused)
        {
            await tx.CommitAsync(ct);
            return refused;
        }
        await db.AuditAsync(me, AuditAction.TwoFactorDisabled, "user", me.Id.ToString(), null, http, now, ct);
        await db.SaveChangesAsync(ct);
        await db.RemoveTwoFactorAsync(me.Id, ct);
        await tx.CommitAsync(ct);
        sessions.Invalidate();
        return TypedResults.NoContent();
    }
}
