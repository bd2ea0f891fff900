using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Server.Features.Compliance.Discovery;

/// <summary>eDiscovery exports' settings. Section "Parley:Discovery".</summary>
public sealed class DiscoveryOptions
{
    public const string Section = "Parley:Discovery";

    /// <summary>Whether exports are built in the background as they are asked for (tests build them on demand).</summary>
    public bool BackgroundExports { get; set; } = true;

    /// <summary>How long a finished export may be downloaded; its archive is deleted after.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")] public TimeSpan ExportLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the background looks for exports to build, to resume, and to delete once expired.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a node owns an export it builds before another may take it over (a node that died mid-way).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")] public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);
}

public enum ExportFormat { Jsonl = 1, Csv = 2, Eml = 3, Actiance = 4 }

public enum ExportState { Queued = 1, Running = 2, Ready = 3, Failed = 4, Expired = 5 }

/// <summary>
/// An export of a search or of a legal hold, built in the background into a ZIP under the data folder. A node takes it by
/// a lease; one that dies leaves the lease to run out, and the next build starts again from the beginning into a fresh
/// temporary file, so a build cut short leaves nothing half-written behind. Only <see cref="CreatedBy"/> downloads it.
/// </summary>
public sealed class DiscoveryExport
{
    public const int MaxErrorLength = 500;

    private DiscoveryExport() { }

    public DiscoveryExport(Guid organizationId, Guid createdBy, ExportFormat format, string criteria, Guid? holdId, DateTimeOffset now,
        TimeSpan lifetime)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        CreatedBy = createdBy;
        Format = format;
        Criteria = criteria;
        HoldId = holdId;
        State = ExportState.Queued;
        CreatedAt = now;
        ExpiresAt = now + lifetime;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public Guid CreatedBy { get; private set; }
    public ExportFormat Format { get; private set; }

    /// <summary>The <see cref="DiscoveryCriteria"/> as JSON, fixed when the export is asked for (a hold's, at that moment).</summary>
    public string Criteria { get; private set; } = "";
    public Guid? HoldId { get; private set; }
    public ExportState State { get; private set; }
    public int ItemsDone { get; private set; }
    public int? ItemsTotal { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset? LeasedUntil { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public long? Size { get; private set; }

    /// <summary>SHA-256 of the archive, hex.</summary>
    public string? Sha256 { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Changes with every change, so that two nodes never both take the same export.</summary>
    public Guid Version { get; private set; } = Guid.NewGuid();

    public bool IsExpired(DateTimeOffset now) => State == ExportState.Expired || now >= ExpiresAt;

    public void Start(DateTimeOffset now, TimeSpan lease)
    {
        State = ExportState.Running;
        Attempts++;
        ItemsDone = 0;
        ItemsTotal = null;
        LeasedUntil = now + lease;
        Version = Guid.NewGuid();
    }

    public void Progress(int done, int total, DateTimeOffset now, TimeSpan lease)
    {
        (ItemsDone, ItemsTotal) = (done, total);
        LeasedUntil = now + lease;
    }

    public void Complete(long size, string sha256, DateTimeOffset now)
    {
        (State, Size, Sha256, CompletedAt, LeasedUntil) = (ExportState.Ready, size, sha256, now, null);
        ItemsDone = ItemsTotal ?? ItemsDone;
        Version = Guid.NewGuid();
    }

    public void Fail(string error, DateTimeOffset now)
    {
        (State, CompletedAt, LeasedUntil) = (ExportState.Failed, now, null);
        Error = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        Version = Guid.NewGuid();
    }

    public void Expire() => (State, LeasedUntil, Version) = (ExportState.Expired, null, Guid.NewGuid());
}

internal sealed class DiscoveryExportConfiguration : IEntityTypeConfiguration<DiscoveryExport>
{
    public void Configure(EntityTypeBuilder<DiscoveryExport> e)
    {
        e.Property(x => x.Sha256).HasMaxLength(64);
        e.Property(x => x.Error).HasMaxLength(DiscoveryExport.MaxErrorLength);
        e.Property(x => x.Version).IsConcurrencyToken();
        e.HasIndex(x => new { x.State, x.LeasedUntil });
        e.HasIndex(x => new { x.OrganizationId, x.CreatedBy });
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(x => x.OrganizationId);
    }
}
