using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using System.Text.Json.Nodes;
using Parley.Server.Features.Records;
using Parley.Server.Features.Records.Log;

namespace Parley.Server.Features.AuditLog;

/// <summary>Stored as numbers, one block of 100 per area: never renumber.</summary>
public enum AuditAction
{
    LoginSucceeded = 100, LoginFailed = 101, SessionRevoked = 102, PasswordSet = 103,
    TwoFactorEnabled = 110, TwoFactorDisabled = 111, TwoFactorReset = 112, RecoveryCodeUsed = 113, SecondFactorFailed = 114,
    RecoveryCodesRegenerated = 115,
    SsoProviderChanged = 120, SsoProviderRemoved = 121, SsoAccountLinked = 122, SsoSignInFailed = 123,
    UserInvited = 200, UserJoined = 201, UserRoleChanged = 202, UserDeactivated = 203, UserRenamed = 204,
    UserTitleChanged = 210, UserAvatarChanged = 211,
    ConversationCreated = 300, ConversationChanged = 301, ConversationArchived = 302, ConversationUnarchived = 303,
    MemberAdded = 310, MemberRemoved = 311, MemberRoleChanged = 312,
    MessageDeletedByOther = 400,
    FileUploaded = 500, FileDownloaded = 501,
    OrganizationCreated = 600, OrganizationSettingsChanged = 601,
    RecordInconsistent = 700, SigningKeyCreated = 701, RecordExported = 702,
    RetentionPolicyChanged = 800, RetentionPolicyRemoved = 801, RetentionPurged = 802, ComplianceSettingsChanged = 803,
    LegalHoldCreated = 810, LegalHoldReleaseRequested = 811, LegalHoldReleased = 812,
    DiscoverySearched = 820, DiscoveryExportCreated = 821, DiscoveryExportDownloaded = 822,
    PersonalDataExported = 850, PersonalDataErased = 851, ProcessingRecordRead = 852, ErasureRequested = 853,
    ScimTokenCreated = 900, ScimTokenRevoked = 901, UserProvisioned = 902, UserUpdated = 903, UserReactivated = 904,
    GroupCreated = 910, GroupChanged = 911, GroupDeleted = 912,
    DirectorySettingsChanged = 920, DirectorySettingsRemoved = 921, DirectorySyncRequested = 922, DirectorySyncCompleted = 923,
    DirectorySyncFailed = 924,
    UnitCreated = 1000, UnitChanged = 1001, UnitDeleted = 1002, PersonPlaced = 1003, UnitChannelCreated = 1004, OrganizationPoliciesChanged = 1010,
}

/// <summary>The name of each action in the record format (docs/record-format.md): never rename.</summary>
public static class AuditActions
{
    private static readonly Dictionary<AuditAction, string> Names = new()
    {
        [AuditAction.LoginSucceeded] = "login-succeeded", [AuditAction.LoginFailed] = "login-failed",
        [AuditAction.SessionRevoked] = "session-revoked", [AuditAction.PasswordSet] = "password-set",
        [AuditAction.TwoFactorEnabled] = "two-factor-enabled", [AuditAction.TwoFactorDisabled] = "two-factor-disabled",
        [AuditAction.TwoFactorReset] = "two-factor-reset", [AuditAction.RecoveryCodeUsed] = "recovery-code-used",
        [AuditAction.SecondFactorFailed] = "second-factor-failed", [AuditAction.RecoveryCodesRegenerated] = "recovery-codes-regenerated",
        [AuditAction.SsoProviderChanged] = "sso-provider-changed", [AuditAction.SsoProviderRemoved] = "sso-provider-removed",
        [AuditAction.SsoAccountLinked] = "sso-account-linked", [AuditAction.SsoSignInFailed] = "sso-sign-in-failed",
        [AuditAction.UserInvited] = "user-invited", [AuditAction.UserJoined] = "user-joined",
        [AuditAction.UserRoleChanged] = "user-role-changed", [AuditAction.UserDeactivated] = "user-deactivated",
        [AuditAction.UserRenamed] = "user-renamed", [AuditAction.UserTitleChanged] = "user-title-changed",
        [AuditAction.UserAvatarChanged] = "user-avatar-changed",
        [AuditAction.ConversationCreated] = "conversation-created", [AuditAction.ConversationChanged] = "conversation-changed",
        [AuditAction.ConversationArchived] = "conversation-archived", [AuditAction.ConversationUnarchived] = "conversation-unarchived",
        [AuditAction.MemberAdded] = "member-added", [AuditAction.MemberRemoved] = "member-removed",
        [AuditAction.MemberRoleChanged] = "member-role-changed", [AuditAction.MessageDeletedByOther] = "message-deleted-by-other",
        [AuditAction.FileUploaded] = "file-uploaded", [AuditAction.FileDownloaded] = "file-downloaded",
        [AuditAction.OrganizationCreated] = "organization-created", [AuditAction.OrganizationSettingsChanged] = "organization-settings-changed",
        [AuditAction.RecordInconsistent] = "record-inconsistent", [AuditAction.SigningKeyCreated] = "signing-key-created",
        [AuditAction.RecordExported] = "record-exported",
        [AuditAction.RetentionPolicyChanged] = "retention-policy-changed", [AuditAction.RetentionPolicyRemoved] = "retention-policy-removed",
        [AuditAction.RetentionPurged] = "retention-purged", [AuditAction.ComplianceSettingsChanged] = "compliance-settings-changed",
        [AuditAction.LegalHoldCreated] = "legal-hold-created", [AuditAction.LegalHoldReleaseRequested] = "legal-hold-release-requested",
        [AuditAction.LegalHoldReleased] = "legal-hold-released",
        [AuditAction.DiscoverySearched] = "discovery-searched", [AuditAction.DiscoveryExportCreated] = "discovery-export-created",
        [AuditAction.DiscoveryExportDownloaded] = "discovery-export-downloaded",
        [AuditAction.PersonalDataExported] = "personal-data-exported", [AuditAction.PersonalDataErased] = "personal-data-erased",
        [AuditAction.ProcessingRecordRead] = "processing-record-read", [AuditAction.ErasureRequested] = "erasure-requested",
        [AuditAction.ScimTokenCreated] = "scim-token-created", [AuditAction.ScimTokenRevoked] = "scim-token-revoked",
        [AuditAction.UserProvisioned] = "user-provisioned", [AuditAction.UserUpdated] = "user-updated",
        [AuditAction.UserReactivated] = "user-reactivated",
        [AuditAction.GroupCreated] = "group-created", [AuditAction.GroupChanged] = "group-changed", [AuditAction.GroupDeleted] = "group-deleted",
        [AuditAction.DirectorySettingsChanged] = "directory-settings-changed", [AuditAction.DirectorySettingsRemoved] = "directory-settings-removed",
        [AuditAction.DirectorySyncRequested] = "directory-sync-requested", [AuditAction.DirectorySyncCompleted] = "directory-sync-completed",
        [AuditAction.DirectorySyncFailed] = "directory-sync-failed",
        [AuditAction.UnitCreated] = "unit-created", [AuditAction.UnitChanged] = "unit-changed", [AuditAction.UnitDeleted] = "unit-deleted",
        [AuditAction.PersonPlaced] = "person-placed", [AuditAction.UnitChannelCreated] = "unit-channel-created", [AuditAction.OrganizationPoliciesChanged] = "organization-policies-changed",
    };

    public static string Name(AuditAction action) => Names.TryGetValue(action, out var name) ? name : $"unknown-{(int)action}";
}

/// <summary>
/// An append-only, hash-chained entry in the organization's audit log, written in the same transaction as the
/// change it describes.
/// </summary>
/// <remarks>
/// Version 2 events (docs/record-format.md) commit to their personal data (<see cref="Data"/> and <see cref="Address"/>)
/// with a salt, like message content, so erasing it keeps the chain verifiable; their <see cref="Hash"/> is the RFC 9162
/// leaf hash of a canonical JSON leaf. Version 1 events keep the rule they were written under.
/// </remarks>
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
        Version = CurrentVersion;
        var salt = ChainHash.NewSalt();
        Salt = Convert.ToHexStringLower(salt);
        Commitment = ChainHash.Commit(salt, CommittedContent());
        PreviousHash = previousHash;
        Hash = ComputeHash();
    }

    public const int CurrentVersion = 2;

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

    /// <summary>1 for events written under the first rule, 2 for docs/record-format.md.</summary>
    public int Version { get; private set; } = 1;
    public string? Salt { get; private set; }

    /// <summary>SHA-256 of the salt and <see cref="CommittedContent"/>; empty for version 1.</summary>
    public string Commitment { get; private set; } = "";

    /// <summary>Position in the organization's Merkle log; null until the sequencer takes the event in.</summary>
    public long? LeafIndex { get; private set; }

    /// <summary>True once <see cref="Data"/> and <see cref="Address"/> were erased (the salt goes with them).</summary>
    public bool IsErased => Version >= 2 && Salt is null;

    /// <summary>What the commitment covers: the personal data, as canonical JSON of two strings.</summary>
    public string CommittedContent() => CanonicalJson.Serialize(new JsonObject { ["address"] = Address, ["data"] = Data });

    /// <summary>
    /// Removes the personal data for good (a GDPR erasure); the commitment stays, so the chain still verifies. Only with a
    /// later <c>personal-data-erased</c> event that lists this index (docs/record-format.md).
    /// </summary>
    internal void Erase()
    {
        Data = null;
        Address = null;
        Salt = null;
    }

    public bool ContentMatchesCommitment() => Version == 1
        || (Salt is null ? Data is null && Address is null
            : Salt.Length == 32 && Salt.All(char.IsAsciiHexDigitLower) && ChainHash.Commit(Convert.FromHexString(Salt), CommittedContent()) == Commitment);

    /// <summary>The exact bytes hashed into the log (docs/record-format.md).</summary>
    public string Leaf() => CanonicalJson.Serialize(Version == 1
        ? new JsonObject
        {
            // The first rule hashed digests of the target, data and address: the leaf carries them, so the hash can be recomputed.
            ["v"] = 1, ["type"] = "audit", ["organization"] = OrganizationId.ToString(), ["index"] = Index, ["action"] = (int)Action,
            ["actor"] = ActorId?.ToString() ?? "-", ["digests"] = new JsonArray(Digest(TargetType), Digest(TargetId), Digest(Data), Digest(Address)),
            ["at"] = At.ToUnixTimeMilliseconds(), ["previous"] = PreviousHash, ["hash"] = Hash,
        }
        : new JsonObject
        {
            ["v"] = Version, ["type"] = "audit", ["organization"] = OrganizationId.ToString(), ["index"] = Index,
            ["action"] = AuditActions.Name(Action), ["actor"] = ActorId?.ToString(),
            ["target"] = new JsonObject { ["type"] = TargetType, ["id"] = TargetId },
            ["at"] = At.ToUnixTimeMilliseconds(), ["commitment"] = Commitment, ["previous"] = PreviousHash,
        });

    public byte[] LeafHash() => Version == 1 ? Rfc9162.LeafHash(Encoding.UTF8.GetBytes(Leaf())) : Convert.FromHexString(Hash);

    public string ComputeHash() => Version >= 2
        ? Convert.ToHexStringLower(Rfc9162.LeafHash(Encoding.UTF8.GetBytes(Leaf())))
        : ChainHash.Link(PreviousHash,
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
        e.Property(a => a.Salt).HasMaxLength(32);
        e.Property(a => a.Commitment).HasMaxLength(64);
        e.Property(a => a.Version).HasDefaultValue(1);
        e.HasIndex(a => new { a.OrganizationId, a.LeafIndex });
    }
}
