using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Accounts;

namespace Parley.Server.Features.DirectorySync;

/// <summary>Directory sync's settings for the whole server. Section "Parley:Directory".</summary>
public sealed class DirectoryOptions
{
    public const string Section = "Parley:Directory";

    /// <summary>Whether scheduled and requested syncs run in the background (tests run them on demand).</summary>
    public bool BackgroundSync { get; set; } = true;

    /// <summary>How often the background looks for syncs that are due or asked for.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a node owns a run before another may take it over (a node that died mid-way).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")] public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one LDAP request may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")] public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Entries per page of the paged search (RFC 2696); Active Directory's MaxPageSize is 1000 by default.</summary>
    [Range(10, 1000)] public int PageSize { get; set; } = 500;
}

/// <summary>
/// How an organization's people come from its LDAP directory or Active Directory. One per organization. The bind password
/// is kept encrypted with ASP.NET Data Protection (purpose <c>Parley.Directory.BindPassword.v1</c>) and never leaves the
/// server again.
/// </summary>
public sealed class DirectorySettings
{
    public const int MaxDnLength = 1000, MaxFilterLength = 1000, MaxAttributeLength = 64, MaxUrlLength = 500;

    private DirectorySettings() { }

    public DirectorySettings(Guid organizationId) => OrganizationId = organizationId;

    public Guid OrganizationId { get; private set; }
    public string ServerUrl { get; set; } = "";
    public string BindDn { get; set; } = "";
    public string ProtectedBindPassword { get; set; } = "";
    public string BaseDn { get; set; } = "";
    public string UserFilter { get; set; } = "";
    public string IdAttribute { get; set; } = "";
    public string EmailAttribute { get; set; } = "";
    public string NameAttribute { get; set; } = "";
    public string? TitleAttribute { get; set; }
    public string? GroupBaseDn { get; set; }
    public string? GroupFilter { get; set; }
    public string GroupNameAttribute { get; set; } = "cn";
    public string GroupMemberAttribute { get; set; } = "member";

    /// <summary>How often a sync runs by itself; null: only when asked.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>When the next scheduled sync is due.</summary>
    public DateTimeOffset? NextRunAt { get; set; }

    /// <summary>The admin who last changed the settings: scheduled syncs act in their name in the record.</summary>
    public Guid UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// Which account a directory entry is, by the entry's stable id (entryUUID, objectGUID): an email or a name that changes
/// in the directory changes the same account, never makes a second one.
/// </summary>
public sealed class DirectoryLink
{
    public const int MaxIdLength = 200;

    private DirectoryLink() { }

    public DirectoryLink(Guid organizationId, string directoryId, Guid userId, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        DirectoryId = directoryId;
        UserId = userId;
        LinkedAt = now;
    }

    public Guid OrganizationId { get; private set; }
    public string DirectoryId { get; private set; } = "";
    public Guid UserId { get; private set; }
    public DateTimeOffset LinkedAt { get; private set; }

    /// <summary>
    /// Set when a sync deactivated the account because the entry left the directory: only such accounts come back when
    /// the entry does. An account an admin deactivated stays deactivated whatever the directory says.
    /// </summary>
    public bool DeactivatedBySync { get; set; }
}

/// <summary>A channel membership that a directory group gave: only these are taken back when the person leaves the group.</summary>
public sealed class DirectoryGrant
{
    private DirectoryGrant() { }

    public DirectoryGrant(Guid organizationId, long conversationId, Guid userId)
    {
        OrganizationId = organizationId;
        ConversationId = conversationId;
        UserId = userId;
    }

    public Guid OrganizationId { get; private set; }
    public long ConversationId { get; private set; }
    public Guid UserId { get; private set; }
}

public enum SyncState { Queued = 1, Running = 2, Done = 3, Failed = 4 }

/// <summary>
/// One sync of an organization's directory, asked for by an admin or by the schedule, carried out in the background under
/// a lease. <see cref="Report"/> holds the <see cref="DirectorySyncReportDto"/> as JSON once done.
/// </summary>
public sealed class DirectorySyncRun
{
    public const int MaxErrorLength = 500;

    private DirectorySyncRun() { }

    public DirectorySyncRun(Guid organizationId, Guid? requestedBy, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        RequestedBy = requestedBy;
        RequestedAt = now;
        State = SyncState.Queued;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }

    /// <summary>The admin who asked; null for a scheduled run.</summary>
    public Guid? RequestedBy { get; private set; }
    public DateTimeOffset RequestedAt { get; private set; }
    public SyncState State { get; private set; }

    /// <summary>reading, applying, groups: where a running sync is.</summary>
    public string? Phase { get; private set; }
    public int EntriesRead { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset? LeasedUntil { get; private set; }
    public DateTimeOffset? StartedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public string? Report { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Changes with every change, so that two nodes never both take the same run.</summary>
    public Guid Version { get; private set; } = Guid.NewGuid();

    public bool IsFinished => State is SyncState.Done or SyncState.Failed;

    public void Start(DateTimeOffset now, TimeSpan lease)
    {
        (State, Phase, EntriesRead, StartedAt, LeasedUntil) = (SyncState.Running, "reading", 0, now, now + lease);
        Attempts++;
        Version = Guid.NewGuid();
    }

    public void Progress(string phase, int entriesRead, DateTimeOffset now, TimeSpan lease) =>
        (Phase, EntriesRead, LeasedUntil) = (phase, entriesRead, now + lease);

    public void Complete(string report, DateTimeOffset now)
    {
        (State, Phase, Report, CompletedAt, LeasedUntil) = (SyncState.Done, null, report, now, null);
        Version = Guid.NewGuid();
    }

    public void Fail(string error, DateTimeOffset now)
    {
        (State, Phase, CompletedAt, LeasedUntil) = (SyncState.Failed, null, now, null);
        Error = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        Version = Guid.NewGuid();
    }
}

internal sealed class DirectorySettingsConfiguration : IEntityTypeConfiguration<DirectorySettings>
{
    public void Configure(EntityTypeBuilder<DirectorySettings> e)
    {
        e.HasKey(s => s.OrganizationId);
        e.Property(s => s.ServerUrl).HasMaxLength(DirectorySettings.MaxUrlLength);
        e.Property(s => s.BindDn).HasMaxLength(DirectorySettings.MaxDnLength);
        e.Property(s => s.ProtectedBindPassword).HasMaxLength(2000);
        e.Property(s => s.BaseDn).HasMaxLength(DirectorySettings.MaxDnLength);
        e.Property(s => s.UserFilter).HasMaxLength(DirectorySettings.MaxFilterLength);
        e.Property(s => s.GroupBaseDn).HasMaxLength(DirectorySettings.MaxDnLength);
        e.Property(s => s.GroupFilter).HasMaxLength(DirectorySettings.MaxFilterLength);
        foreach (var attribute in new[] { nameof(DirectorySettings.IdAttribute), nameof(DirectorySettings.EmailAttribute),
                     nameof(DirectorySettings.NameAttribute), nameof(DirectorySettings.TitleAttribute),
                     nameof(DirectorySettings.GroupNameAttribute), nameof(DirectorySettings.GroupMemberAttribute) })
            e.Property(attribute).HasMaxLength(DirectorySettings.MaxAttributeLength);
        e.HasIndex(s => s.NextRunAt);
        e.HasOne<Organizations.Organization>().WithOne().HasForeignKey<DirectorySettings>(s => s.OrganizationId);
    }
}

internal sealed class DirectoryLinkConfiguration : IEntityTypeConfiguration<DirectoryLink>
{
    public void Configure(EntityTypeBuilder<DirectoryLink> e)
    {
        e.HasKey(l => new { l.OrganizationId, l.DirectoryId });
        e.Property(l => l.DirectoryId).HasMaxLength(DirectoryLink.MaxIdLength);
        e.HasIndex(l => l.UserId).IsUnique();
        e.HasOne<User>().WithOne().HasForeignKey<DirectoryLink>(l => l.UserId);
    }
}

internal sealed class DirectoryGrantConfiguration : IEntityTypeConfiguration<DirectoryGrant>
{
    public void Configure(EntityTypeBuilder<DirectoryGrant> e)
    {
        e.HasKey(g => new { g.ConversationId, g.UserId });
        e.HasIndex(g => g.OrganizationId);
        e.HasOne<Conversations.Conversation>().WithMany().HasForeignKey(g => g.ConversationId);
        e.HasOne<User>().WithMany().HasForeignKey(g => g.UserId);
    }
}

internal sealed class DirectorySyncRunConfiguration : IEntityTypeConfiguration<DirectorySyncRun>
{
    public void Configure(EntityTypeBuilder<DirectorySyncRun> e)
    {
        e.Property(r => r.Phase).HasMaxLength(20);
        e.Property(r => r.Error).HasMaxLength(DirectorySyncRun.MaxErrorLength);
        e.Property(r => r.Version).IsConcurrencyToken();
        e.HasIndex(r => new { r.State, r.LeasedUntil });
        e.HasIndex(r => new { r.OrganizationId, r.RequestedAt });
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(r => r.OrganizationId);
    }
}
