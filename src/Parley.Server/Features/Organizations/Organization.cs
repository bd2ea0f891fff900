using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Platform;

namespace Parley.Server.Features.Organizations;

/// <summary>A tenant. Every other row carries its organization and every query is scoped by it.</summary>
public sealed class Organization
{
    public const int MaxNameLength = 100;

    private Organization() { }

    public Organization(string name, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        Name = ValidName(name);
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? SuspendedAt { get; private set; }

    /// <summary>Head of the audit chain: how many audit events exist, and the hash of the last one.</summary>
    public long AuditCount { get; private set; }
    public string AuditHead { get; private set; } = "";

    /// <summary>Everyone must sign in with a second factor: until they enrol, their sessions reach only the enrolment.</summary>
    public bool TwoFactorRequired { get; private set; }

    public void RequireTwoFactor(bool required) => TwoFactorRequired = required;

    /// <summary>People may sign in with a password. Off: only through the organization's OpenID Connect provider.</summary>
    public bool PasswordSignInAllowed { get; private set; } = true;

    public void AllowPasswordSignIn(bool allowed) => PasswordSignInAllowed = allowed;

    public void Rename(string name) => Name = ValidName(name);

    public static string ValidName(string name) =>
        (name is null ? null : UserText.Name(name).Trim()) is { Length: > 0 and <= MaxNameLength } trimmed && !trimmed.Any(char.IsControl)
            ? trimmed
            : throw new DomainException("organization-name-invalid", $"Organization names are 1 to {MaxNameLength} characters.", 400);
}

internal sealed class OrganizationConfiguration : IEntityTypeConfiguration<Organization>
{
    public void Configure(EntityTypeBuilder<Organization> e)
    {
        e.Property(o => o.Name).HasMaxLength(Organization.MaxNameLength);
        e.Property(o => o.AuditHead).HasMaxLength(64);
        e.Property(o => o.PasswordSignInAllowed).HasDefaultValue(true).HasSentinel(true);   // existing organizations keep passwords
    }
}
