using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Server.Features.Governance;

/// <summary>Who may do something the organization restricts. Stored as numbers: never renumber.</summary>
public enum PolicyAudience { Everyone = 0, Admins = 1 }

/// <summary>
/// The organization's policies, one row per organization; an organization without a row has the defaults. Each rule is
/// enforced where it acts, through <see cref="PolicyRules"/>; the record keeps everything whatever the windows say.
/// </summary>
public sealed class OrganizationPolicies
{
    public const int MaxMinutes = 5_256_000;   // ten years
    public const int MaxFileTypesLength = 1000;

    private OrganizationPolicies() { }

    public OrganizationPolicies(Guid organizationId) => OrganizationId = organizationId;

    public Guid OrganizationId { get; private set; }
    public PolicyAudience ChannelCreation { get; set; }
    public PolicyAudience GroupCreation { get; set; }

    /// <summary>Members (not only admins) may start a direct or group conversation that includes a guest.</summary>
    public bool MembersMayMessageGuests { get; set; } = true;

    /// <summary>Minutes after sending during which the sender may edit; null: no limit.</summary>
    public int? EditWindowMinutes { get; set; }

    /// <summary>Minutes after sending during which the sender may delete; null: no limit. Moderators are not limited.</summary>
    public int? DeleteWindowMinutes { get; set; }

    /// <summary>File name extensions allowed, lower case, without dots, separated by commas; null: every type.</summary>
    public string? AllowedFileTypes { get; set; }

    /// <summary>Largest file accepted in bytes, below the deployment's own limit; null: the deployment's limit.</summary>
    public long? MaxFileBytes { get; set; }

    /// <summary>Minutes a session lasts after sign-in, whatever its use; null: the deployment's setting.</summary>
    public int? SessionLifetimeMinutes { get; set; }

    /// <summary>Minutes without a request after which a session ends; null: the deployment's setting.</summary>
    public int? IdleTimeoutMinutes { get; set; }

    /// <summary>People who join (invite, SSO, directory) are added to the default channels.</summary>
    public bool NewPeopleJoinDefaultChannels { get; set; } = true;
}

internal sealed class OrganizationPoliciesConfiguration : IEntityTypeConfiguration<OrganizationPolicies>
{
    public void Configure(EntityTypeBuilder<OrganizationPolicies> e)
    {
        e.HasKey(p => p.OrganizationId);
        e.Property(p => p.AllowedFileTypes).HasMaxLength(OrganizationPolicies.MaxFileTypesLength);
        e.Property(p => p.MembersMayMessageGuests).HasDefaultValue(true).HasSentinel(true);
        e.Property(p => p.NewPeopleJoinDefaultChannels).HasDefaultValue(true).HasSentinel(true);
        e.HasOne<Organizations.Organization>().WithOne().HasForeignKey<OrganizationPolicies>(p => p.OrganizationId);
    }
}
