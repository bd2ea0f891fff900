using System.ComponentModel.DataAnnotations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Server.Features.Compliance.Gdpr;

/// <summary>Erasure requests' settings. Section "Parley:Erasure".</summary>
public sealed class ErasureOptions
{
    public const string Section = "Parley:Erasure";

    /// <summary>Whether requests are carried out in the background as they are made (tests run them on demand).</summary>
    public bool BackgroundErasure { get; set; } = true;

    /// <summary>How often the background looks for requests to carry out or to resume (a node that died mid-way).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a node owns a request it carries out before another may take it over.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")] public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);
}

public enum ErasureState { Queued = 1, Running = 2, Done = 3, Failed = 4 }

/// <summary>
/// A GDPR art. 17 request about one person. The request itself pseudonymises the person and ends their sessions at once;
/// erasing what they sent (a person may have sent a hundred thousand messages) is carried out in the background by
/// <see cref="ErasureWorker"/>, under a lease, with its progress here. Erasing is idempotent (an erased message is not
/// found again), so a request cut short by a crash is simply taken up again once its lease runs out; the counts carry
/// over from the batches that finished, and <see cref="Report"/> holds the answer once it is done.
/// </summary>
public sealed class ErasureRequest
{
    public const int MaxErrorLength = 500;

    private ErasureRequest() { }

    public ErasureRequest(Guid organizationId, Guid userId, Guid requestedBy, bool repeated, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        UserId = userId;
        RequestedBy = requestedBy;
        Repeated = repeated;
        RequestedAt = now;
        State = ErasureState.Queued;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }

    /// <summary>The person whose data is erased.</summary>
    public Guid UserId { get; private set; }
    public Guid RequestedBy { get; private set; }

    /// <summary>Whether the person was already erased by an earlier request (this one finishes what is no longer kept).</summary>
    public bool Repeated { get; private set; }
    public DateTimeOffset RequestedAt { get; private set; }
    public ErasureState State { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset? LeasedUntil { get; private set; }

    /// <summary>Messages looked at so far (erased, or kept and hidden), of <see cref="MessagesTotal"/>.</summary>
    public int MessagesDone { get; private set; }
    public int? MessagesTotal { get; private set; }

    /// <summary>Messages and files erased by the batches that finished, carried over when the request is resumed.</summary>
    public int MessagesErased { get; private set; }
    public int FilesErased { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }

    /// <summary>The <see cref="ErasureReportDto"/> as JSON, once done.</summary>
    public string? Report { get; private set; }
    public string? Error { get; private set; }

    /// <summary>Changes with every change, so that two nodes never both take the same request.</summary>
    public Guid Version { get; private set; } = Guid.NewGuid();

    public bool IsFinished => State is ErasureState.Done or ErasureState.Failed;

    public void Start(DateTimeOffset now, TimeSpan lease)
    {
        State = ErasureState.Running;
        Attempts++;
        LeasedUntil = now + lease;
        Version = Guid.NewGuid();
    }

    /// <summary>A batch finished: <paramref name="erased"/> messages and <paramref name="files"/> files more.</summary>
    public void Progress(int done, int total, int erased, int files, DateTimeOffset now, TimeSpan lease)
    {
        (MessagesDone, MessagesTotal) = (done, Math.Max(done, total));
        MessagesErased += erased;
        FilesErased += files;
        LeasedUntil = now + lease;
    }

    public void Complete(string report, DateTimeOffset now)
    {
        (State, Report, CompletedAt, LeasedUntil) = (ErasureState.Done, report, now, null);
        MessagesDone = MessagesTotal ?? MessagesDone;
        Version = Guid.NewGuid();
    }

    public void Fail(string error, DateTimeOffset now)
    {
        (State, CompletedAt, LeasedUntil) = (ErasureState.Failed, now, null);
        Error = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        Version = Guid.NewGuid();
    }
}

internal sealed class ErasureRequestConfiguration : IEntityTypeConfiguration<ErasureRequest>
{
    public void Configure(EntityTypeBuilder<ErasureRequest> e)
    {
        e.Property(x => x.Error).HasMaxLength(ErasureRequest.MaxErrorLength);
        e.Property(x => x.Version).IsConcurrencyToken();
        e.HasIndex(x => new { x.State, x.LeasedUntil });
        e.HasIndex(x => new { x.OrganizationId, x.UserId });
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(x => x.OrganizationId);
    }
}
