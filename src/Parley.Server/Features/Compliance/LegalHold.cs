using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Platform;

namespace Parley.Server.Features.Compliance;

/// <summary>
/// Suspends purging and erasure of what it covers until released. A message is covered when it matches every criterion
/// the hold gives: sent by one of <see cref="Custodians"/>, in one of <see cref="Conversations"/>, sent within
/// [<see cref="From"/>, <see cref="To"/>), containing one of <see cref="Words"/> in any version of its text. A hold with no
/// criteria covers everything. Releasing lifts the suspension only; the next purge decides what retention still keeps.
/// </summary>
public sealed class LegalHold
{
    public const int MaxNameLength = 200, MaxItems = 500, MaxWordLength = 100;

    private LegalHold() { }

    public LegalHold(Guid organizationId, string name, IReadOnlyCollection<Guid> custodians, IReadOnlyCollection<long> conversations,
        DateTimeOffset? from, DateTimeOffset? to, IReadOnlyCollection<string> words, Guid createdBy, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7(now);
        OrganizationId = organizationId;
        Name = name.Trim() is { Length: > 0 and <= MaxNameLength } n && !n.Any(char.IsControl)
            ? n : throw new DomainException("hold-name-invalid", $"A hold's name is 1 to {MaxNameLength} characters.", 400, "name");
        if (from is { } f && to is { } t && f >= t)
            throw new DomainException("hold-range-invalid", "The hold's start must come before its end.", 400, "from");
        var cleanWords = words.Select(w => w?.Trim() ?? "").ToList();
        if (cleanWords.Any(w => w.Length is 0 or > MaxWordLength || w.Any(char.IsControl)))
            throw new DomainException("hold-word-invalid", $"Each word is 1 to {MaxWordLength} characters.", 400, "words");
        if (custodians.Count > MaxItems || conversations.Count > MaxItems || cleanWords.Count > MaxItems)
            throw new DomainException("hold-too-large", $"A hold names at most {MaxItems} people, conversations and words each.", 400);
        CustodianList = string.Join(',', custodians.Distinct());
        ConversationList = string.Join(',', conversations.Distinct());
        WordList = string.Join('\n', cleanWords.Distinct());
        From = from;
        To = to;
        CreatedBy = createdBy;
        CreatedAt = now;
    }

    public Guid Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public string Name { get; private set; } = "";
    public string CustodianList { get; private set; } = "";
    public string ConversationList { get; private set; } = "";
    public string WordList { get; private set; } = "";
    public DateTimeOffset? From { get; private set; }
    public DateTimeOffset? To { get; private set; }
    public Guid CreatedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public Guid? ReleaseRequestedBy { get; private set; }
    public DateTimeOffset? ReleaseRequestedAt { get; private set; }
    public Guid? ReleasedBy { get; private set; }
    public DateTimeOffset? ReleasedAt { get; private set; }
    public Guid Version { get; private set; } = Guid.NewGuid();

    public bool IsActive => ReleasedAt is null;
    public bool IsReleasePending => IsActive && ReleaseRequestedAt is not null;

    public IReadOnlyList<Guid> Custodians => CustodianList.Length == 0 ? [] : [.. CustodianList.Split(',').Select(Guid.Parse)];
    public IReadOnlyList<long> Conversations => ConversationList.Length == 0 ? [] : [.. ConversationList.Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture))];
    public IReadOnlyList<string> Words => WordList.Length == 0 ? [] : WordList.Split('\n');

    /// <summary>Releases now, or asks for a second person's approval when the organization requires it.</summary>
    public void RequestRelease(Guid by, DateTimeOffset now, bool needsApproval)
    {
        if (!IsActive)
            throw new DomainException("hold-released", "This hold is already released.", 409);
        if (IsReleasePending)
            throw new DomainException("hold-release-pending", "A release of this hold already waits for approval.", 409);
        ReleaseRequestedBy = by;
        ReleaseRequestedAt = now;
        if (!needsApproval)
            (ReleasedBy, ReleasedAt) = (by, now);
        Version = Guid.NewGuid();
    }

    public void ApproveRelease(Guid by, DateTimeOffset now)
    {
        if (!IsActive)
            throw new DomainException("hold-released", "This hold is already released.", 409);
        if (!IsReleasePending)
            throw new DomainException("hold-release-not-requested", "Nobody asked to release this hold yet.", 409);
        if (ReleaseRequestedBy == by)
            throw new DomainException("hold-second-approver-required",
                "Another compliance officer or admin must approve the release you asked for.", 403);
        (ReleasedBy, ReleasedAt) = (by, now);
        Version = Guid.NewGuid();
    }
}

internal sealed class LegalHoldConfiguration : IEntityTypeConfiguration<LegalHold>
{
    public void Configure(EntityTypeBuilder<LegalHold> e)
    {
        e.Property(h => h.Name).HasMaxLength(LegalHold.MaxNameLength);
        e.Property(h => h.Version).IsConcurrencyToken();
        e.HasIndex(h => new { h.OrganizationId, h.ReleasedAt });
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(h => h.OrganizationId);
        e.Ignore(h => h.Custodians);
        e.Ignore(h => h.Conversations);
        e.Ignore(h => h.Words);
    }
}

/// <summary>The organization's compliance settings; an organization without a row has the defaults.</summary>
public sealed class ComplianceSettings
{
    private ComplianceSettings() { }

    public ComplianceSettings(Guid organizationId) => OrganizationId = organizationId;

    public Guid OrganizationId { get; private set; }

    /// <summary>Releasing a legal hold needs a second compliance officer or admin to approve it.</summary>
    public bool HoldReleaseNeedsApproval { get; set; }
}

internal sealed class ComplianceSettingsConfiguration : IEntityTypeConfiguration<ComplianceSettings>
{
    public void Configure(EntityTypeBuilder<ComplianceSettings> e)
    {
        e.HasKey(s => s.OrganizationId);
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(s => s.OrganizationId);
    }
}
