using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Accounts;

namespace Parley.Server.Features.TwoFactor;

/// <summary>
/// A person's authenticator secret (RFC 6238), encrypted at rest with ASP.NET Data Protection. It protects sign-in only
/// once <see cref="ConfirmedAt"/> is set, by a first code from the app; until then it is an enrolment in progress, which
/// a new start replaces. <see cref="LastUsedStep"/> is the time step of the last code accepted: a code of that step or an
/// earlier one is refused, so a code seen over someone's shoulder cannot be used again.
/// </summary>
public sealed class TwoFactorSecret
{
    private TwoFactorSecret() { }

    public TwoFactorSecret(User user, string protectedSecret, DateTimeOffset now)
    {
        UserId = user.Id;
        OrganizationId = user.OrganizationId;
        ProtectedSecret = protectedSecret;
        CreatedAt = now;
    }

    public Guid UserId { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string ProtectedSecret { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ConfirmedAt { get; private set; }
    public long? LastUsedStep { get; private set; }

    public bool IsActive => ConfirmedAt is not null;

    public void Restart(string protectedSecret, DateTimeOffset now)
    {
        ProtectedSecret = protectedSecret;
        CreatedAt = now;
        ConfirmedAt = null;
        LastUsedStep = null;
    }

    public void Confirm(long step, DateTimeOffset now)
    {
        ConfirmedAt = now;
        LastUsedStep = step;
    }
}

/// <summary>One single-use recovery code, kept only as a hash. Regenerating deletes the old ones.</summary>
public sealed class RecoveryCode
{
    private RecoveryCode() { }

    public RecoveryCode(User user, string codeHash, DateTimeOffset now)
    {
        UserId = user.Id;
        OrganizationId = user.OrganizationId;
        CodeHash = codeHash;
        CreatedAt = now;
    }

    public long Id { get; private set; }
    public Guid UserId { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string CodeHash { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? UsedAt { get; private set; }
}

/// <summary>
/// The half-done sign-in of a person whose password was right and who has two-factor on: single use, short-lived and
/// with few attempts. The client holds the token; the database only its hash.
/// </summary>
public sealed class SignInChallenge
{
    public const int MaxAttempts = 5;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private SignInChallenge() { }

    public SignInChallenge(User user, string tokenHash, string deviceName, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        UserId = user.Id;
        OrganizationId = user.OrganizationId;
        TokenHash = tokenHash;
        DeviceName = Session.ValidDeviceName(deviceName);
        CreatedAt = now;
        ExpiresAt = now + Lifetime;
    }

    public Guid Id { get; private set; }
    public Guid UserId { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string TokenHash { get; private set; } = "";
    public string DeviceName { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset? UsedAt { get; private set; }
}

internal sealed class TwoFactorSecretConfiguration : IEntityTypeConfiguration<TwoFactorSecret>
{
    public void Configure(EntityTypeBuilder<TwoFactorSecret> e)
    {
        e.HasKey(t => t.UserId);
        e.Property(t => t.ProtectedSecret).HasMaxLength(1000);
        e.HasOne<User>().WithOne().HasForeignKey<TwoFactorSecret>(t => t.UserId);
        e.HasIndex(t => t.OrganizationId);
    }
}

internal sealed class RecoveryCodeConfiguration : IEntityTypeConfiguration<RecoveryCode>
{
    public void Configure(EntityTypeBuilder<RecoveryCode> e)
    {
        e.Property(r => r.CodeHash).HasMaxLength(64);
        e.HasIndex(r => new { r.UserId, r.CodeHash }).IsUnique();
        e.HasOne<User>().WithMany().HasForeignKey(r => r.UserId);
    }
}

internal sealed class SignInChallengeConfiguration : IEntityTypeConfiguration<SignInChallenge>
{
    public void Configure(EntityTypeBuilder<SignInChallenge> e)
    {
        e.Property(c => c.TokenHash).HasMaxLength(64);
        e.Property(c => c.DeviceName).HasMaxLength(Session.MaxDeviceNameLength);
        e.HasIndex(c => c.TokenHash).IsUnique();
        e.HasIndex(c => c.UserId);
        e.HasOne<User>().WithMany().HasForeignKey(c => c.UserId);
    }
}
