using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using OtpNet;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Platform;

namespace Parley.Server.Features.TwoFactor;

/// <summary>What a second factor turned out to be.</summary>
public enum FactorOutcome { Accepted, Wrong, Reused }

/// <param name="RecoveryCodeUsed">True when the code was a recovery code (now spent).</param>
public sealed record FactorCheck(FactorOutcome Outcome, bool RecoveryCodeUsed, int RecoveryCodesLeft);

/// <summary>
/// TOTP as authenticator apps support it (RFC 6238: SHA-1, 6 digits, 30 s steps, one step of drift either way), the
/// secrets' encryption at rest, and recovery codes.
/// </summary>
public sealed class TwoFactorCodes(IDataProtectionProvider protection)
{
    public const int Digits = 6, StepSeconds = 30, SecretBytes = 20, RecoveryCodeCount = 10, MaxCodeLength = 40;
    private const string Issuer = "Parley";
    private readonly IDataProtector _protector = protection.CreateProtector("Parley.TwoFactor.Secrets.v1");

    /// <summary>A fresh secret: its base32 text for manual entry, and what the database keeps.</summary>
    public (string Base32, string Protected) NewSecret()
    {
        var secret = RandomNumberGenerator.GetBytes(SecretBytes);
        return (Base32Encoding.ToString(secret), Convert.ToBase64String(_protector.Protect(secret)));
    }

    public string Base32Of(TwoFactorSecret stored) => Base32Encoding.ToString(Unprotect(stored));

    /// <summary>The otpauth:// URI that authenticator apps read (as a QR code or a link).</summary>
    public static string OtpAuthUri(string base32, string email, string organizationName)
    {
        // The label is "issuer:account"; a colon in the account would split it again, so it goes.
        var account = $"{email} ({organizationName.Replace(':', ' ')})";
        return $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(account)}" +
            $"?secret={base32}&issuer={Uri.EscapeDataString(Issuer)}&algorithm=SHA1&digits={Digits}&period={StepSeconds}";
    }

    /// <summary>The time step a 6-digit code belongs to (now, or one step before or after), or null.</summary>
    public long? MatchingStep(TwoFactorSecret stored, string code, DateTimeOffset now)
    {
        var digits = code.Replace(" ", "", StringComparison.Ordinal);
        if (digits.Length != Digits || !digits.All(char.IsAsciiDigit))
            return null;
        var totp = new Totp(Unprotect(stored), StepSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(now.UtcDateTime, digits, out var step, new VerificationWindow(previous: 1, future: 1)) ? step : null;
    }

    /// <summary>Whether a code has the shape of a TOTP code rather than of a recovery code.</summary>
    public static bool LooksLikeTotp(string code) => code.Replace(" ", "", StringComparison.Ordinal) is { Length: Digits } d && d.All(char.IsAsciiDigit);

    /// <summary>Ten new recovery codes (80 random bits each, written xxxx-xxxx-xxxx-xxxx), and their hashes.</summary>
    public static (List<string> Codes, List<string> Hashes) NewRecoveryCodes(Guid userId)
    {
        var codes = Enumerable.Range(0, RecoveryCodeCount)
            .Select(_ => Base32Encoding.ToString(RandomNumberGenerator.GetBytes(10)).ToLowerInvariant())
            .Select(c => string.Join('-', c.Chunk(4).Select(chunk => new string(chunk))))
            .ToList();
        return (codes, codes.Select(c => RecoveryHash(userId, c)).ToList());
    }

    /// <summary>
    /// 80 random bits make a plain hash safe against guessing from a stolen database; the user id keeps one person's
    /// hash from matching another's.
    /// </summary>
    public static string RecoveryHash(Guid userId, string code) =>
        Secrets.Hash($"{userId:N}:{new string(code.Where(char.IsAsciiLetterOrDigit).ToArray()).ToUpperInvariant()}");

    /// <summary>
    /// Checks a TOTP or recovery code of an active two-factor and spends it: a TOTP code's step becomes the last used
    /// one, a recovery code is marked used. Both are conditional updates, so two requests racing with the same code
    /// cannot both pass. Call inside the write transaction (docs/architecture.md, "Lock order": two-factor rows come
    /// before the organization's audit head).
    /// </summary>
    public async Task<FactorCheck> CheckAndSpendAsync(ParleyDb db, TwoFactorSecret stored, string code, DateTimeOffset now, CancellationToken ct)
    {
        if (LooksLikeTotp(code))
        {
            if (MatchingStep(stored, code, now) is not { } step)
                return new(FactorOutcome.Wrong, false, 0);
            var spent = await db.TwoFactorSecrets
                .Where(t => t.UserId == stored.UserId && t.ConfirmedAt != null && (t.LastUsedStep == null || t.LastUsedStep < step))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedStep, step), ct);
            return new(spent == 1 ? FactorOutcome.Accepted : FactorOutcome.Reused, false, 0);
        }

        var hash = RecoveryHash(stored.UserId, code);
        var used = await db.RecoveryCodes.Where(r => r.UserId == stored.UserId && r.CodeHash == hash && r.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.UsedAt, now), ct);
        var left = await db.RecoveryCodes.CountAsync(r => r.UserId == stored.UserId && r.UsedAt == null, ct);
        if (used == 1)
            return new(FactorOutcome.Accepted, true, left);
        var known = await db.RecoveryCodes.AnyAsync(r => r.UserId == stored.UserId && r.CodeHash == hash, ct);
        return new(known ? FactorOutcome.Reused : FactorOutcome.Wrong, true, left);
    }

    private byte[] Unprotect(TwoFactorSecret stored) => _protector.Unprotect(Convert.FromBase64String(stored.ProtectedSecret));
}

public static class TwoFactorQueries
{
    public static Task<TwoFactorSecret?> ActiveTwoFactorAsync(this ParleyDb db, Guid userId, CancellationToken ct) =>
        db.TwoFactorSecrets.SingleOrDefaultAsync(t => t.UserId == userId && t.ConfirmedAt != null, ct);

    /// <summary>Removes a person's two-factor entirely: secret, recovery codes and pending sign-in challenges.</summary>
    public static async Task<bool> RemoveTwoFactorAsync(this ParleyDb db, Guid userId, CancellationToken ct)
    {
        await db.SignInChallenges.Where(c => c.UserId == userId).ExecuteDeleteAsync(ct);
        await db.RecoveryCodes.Where(r => r.UserId == userId).ExecuteDeleteAsync(ct);
        return await db.TwoFactorSecrets.Where(t => t.UserId == userId).ExecuteDeleteAsync(ct) > 0;
    }

    /// <summary>Replaces a person's recovery codes with ten new ones, returned in clear this once.</summary>
    public static async Task<List<string>> NewRecoveryCodesAsync(this ParleyDb db, User user, DateTimeOffset now, CancellationToken ct)
    {
        await db.RecoveryCodes.Where(r => r.UserId == user.Id).ExecuteDeleteAsync(ct);
        var (codes, hashes) = TwoFactorCodes.NewRecoveryCodes(user.Id);
        db.RecoveryCodes.AddRange(hashes.Select(h => new RecoveryCode(user, h, now)));
        return codes;
    }
}
