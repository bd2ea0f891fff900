using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Records;

namespace Parley.Server.Features.AuditLog;

/// <summary>Stored as numbers, one block of 100 per area: never renumber.</summary>
public enum AuditAction
{
    LoginSucceeded = 100, LoginFailed = 101, SessionRevoked = 102, PasswordSet = 103,
    UserInvited = 200, UserJoined = 201, UserRoleChanged = 202, UserDeactivated = 203,
    ConversationCreated = 300, ConversationChanged = 301, ConversationArchived = 302, ConversationUnarchived = 303,
    MemberAdded = 310, MemberRemoved = 311, MemberRoleChanged = 312,
    MessageDeletedByOther = 400,
    FileUploaded = 500, FileDownloaded = 501,
    OrganizationCreated = 600, OrganizationSettingsChanged = 601,
}

/// <summary>
/// An append-only, hash-chained entry in the organization's audit log, written in the same transaction as the
/// change it describes.
/// </summary>
public sealed class AuditEvent
{
    private AuditEvent() { }

    internal AuditEvent(Guid organizationId, long index, AuditAction action, Guid? actorId, string targetType, string? targetId,
        string? data, string? address, DateTimeOffset at, string previousHash)
    {
        OrganizationId = organizationId;
        Index = index;
        Action = action;
        ActorId = actorId;
        TargetType = targetType;
        TargetId = targetId;
        Data = data;
        Address = address;
        At = at;
        PreviousHash = previousHash;
        Hash = ComputeHash();
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public long Index { get; private set; }
    public AuditAction Action { get; private set; }

    /// <summary>Who did it; null for the system.</summary>
    public Guid? ActorId { get; private set; }
    public string TargetType { get; private set; } = "";
    public string? TargetId { get; private set; }

    /// <summary>Details as JSON (before/after values). Never message content, passwords or tokens.</summary>
    public string? Data { get; private set; }
    public string? Address { get; private set; }
    public DateTimeOffset At { get; private set; }
    public string PreviousHash { get; private set; } = "";
    public string Hash { get; private set; } = "";

    public string ComputeHash() => ChainHash.Link(PreviousHash,
        OrganizationId.ToString(), Index.ToString(CultureInfo.InvariantCulture), ((int)Action).ToString(CultureInfo.InvariantCulture),
        ActorId?.ToString() ?? "-", Digest(TargetType), Digest(TargetId), Digest(Data), Digest(Address), ChainHash.Time(At));

    private static string Digest(string? value) =>
        value is null ? "-" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> e)
    {
        e.HasIndex(a => new { a.OrganizationId, a.Index }).IsUnique();
        e.Property(a => a.TargetType).HasMaxLength(40);
        e.Property(a => a.TargetId).HasMaxLength(64);
        e.Property(a => a.Address).HasMaxLength(64);
        e.Property(a => a.PreviousHash).HasMaxLength(64);
        e.Property(a => a.Hash).HasMaxLength(64);
    }
}
