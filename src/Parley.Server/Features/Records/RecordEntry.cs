using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Features.Records.Log;

namespace Parley.Server.Features.Records;

/// <summary>Stored as numbers, and named in every entry by <see cref="RecordKinds"/>: never renumber, never rename.</summary>
public enum RecordKind
{
    MessagePosted = 1, MessageEdited = 2, MessageDeleted = 3, ReactionAdded = 4, ReactionRemoved = 5,
    MessagePinned = 6, MessageUnpinned = 7,
    ConversationCreated = 10, ConversationRenamed = 11, TopicChanged = 12, ConversationArchived = 13, ConversationUnarchived = 14,
    MemberJoined = 20, MemberLeft = 21, MemberAdded = 22, MemberRemoved = 23, MemberRoleChanged = 24,
    FileUploaded = 30,
    ContentErased = 40,
}

/// <summary>The name of each kind in the record format (docs/record-format.md).</summary>
public static class RecordKinds
{
    private static readonly Dictionary<RecordKind, string> Names = new()
    {
        [RecordKind.MessagePosted] = "message-posted", [RecordKind.MessageEdited] = "message-edited",
        [RecordKind.MessageDeleted] = "message-deleted", [RecordKind.ReactionAdded] = "reaction-added",
        [RecordKind.ReactionRemoved] = "reaction-removed", [RecordKind.MessagePinned] = "message-pinned",
        [RecordKind.MessageUnpinned] = "message-unpinned", [RecordKind.ConversationCreated] = "conversation-created",
        [RecordKind.ConversationRenamed] = "conversation-renamed", [RecordKind.TopicChanged] = "topic-changed",
        [RecordKind.ConversationArchived] = "conversation-archived", [RecordKind.ConversationUnarchived] = "conversation-unarchived",
        [RecordKind.MemberJoined] = "member-joined", [RecordKind.MemberLeft] = "member-left", [RecordKind.MemberAdded] = "member-added",
        [RecordKind.MemberRemoved] = "member-removed", [RecordKind.MemberRoleChanged] = "member-role-changed",
        [RecordKind.FileUploaded] = "file-uploaded", [RecordKind.ContentErased] = "content-erased",
    };

    public static string Name(RecordKind kind) => Names.TryGetValue(kind, out var name) ? name : $"unknown-{(int)kind}";
}

/// <summary>
/// One entry of a conversation's record: append-only. Nothing changes it after it is written, except erasure, which
/// removes <see cref="Content"/> and <see cref="Salt"/> and adds a <see cref="RecordKind.ContentErased"/> entry that says
/// so. The current message, membership, reaction and file tables are derived from these entries and checked against them.
/// </summary>
/// <remarks>
/// Version 2 entries (the format of docs/record-format.md) hash a canonical JSON "leaf" of every field: <see cref="Hash"/>
/// is its RFC 9162 leaf hash, the same value that enters the organization's Merkle log. Version 1 entries, written before
/// that format, keep the rule they were written under (<see cref="ComputeHash"/> says which) and are verified by it.
/// </remarks>
public sealed class RecordEntry
{
    public const int CurrentVersion = 2;

    private RecordEntry() { }

    /// <summary>A version 2 entry. <paramref name="content"/> is what erasure may remove (text, names); <paramref name="data"/> stays.</summary>
    public RecordEntry(Guid organizationId, long conversationId, long index, RecordKind kind, long messageSeq,
        Guid actorId, DateTimeOffset at, JsonObject? data, string? content, string previousHash)
    {
        Version = CurrentVersion;
        OrganizationId = organizationId;
        ConversationId = conversationId;
        Index = index;
        Kind = kind;
        MessageSeq = messageSeq;
        ActorId = actorId;
        At = at;
        Data = data is null ? null : CanonicalJson.Serialize(data);
        if (content is not null)
        {
            var salt = ChainHash.NewSalt();
            Content = content;
            Salt = Convert.ToHexStringLower(salt);
            Commitment = ChainHash.Commit(salt, content);
        }
        PreviousHash = previousHash;
        Hash = ComputeHash();
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public long ConversationId { get; private set; }

    /// <summary>1 for entries written under the first rule, 2 for docs/record-format.md.</summary>
    public int Version { get; private set; } = 1;

    /// <summary>Position in the conversation's chain, from 1 with no gaps.</summary>
    public long Index { get; private set; }
    public RecordKind Kind { get; private set; }

    /// <summary>The message this entry is about, by its sequence number in the conversation; 0 when about none.</summary>
    public long MessageSeq { get; private set; }
    public Guid ActorId { get; private set; }
    public DateTimeOffset At { get; private set; }

    /// <summary>Facts that stay when content is erased (thread, files by hash, roles, emoji), as canonical JSON.</summary>
    public string? Data { get; private set; }

    /// <summary>What erasure may remove (text, rendered HTML, names); null when the entry has none, or once erased.</summary>
    public string? Content { get; private set; }
    public string? Salt { get; private set; }

    /// <summary>SHA-256 of salt and content; empty when the entry never had content.</summary>
    public string Commitment { get; private set; } = "";
    public string PreviousHash { get; private set; } = "";
    public string Hash { get; private set; } = "";

    /// <summary>Position in the organization's Merkle log; null until the sequencer takes the entry in.</summary>
    public long? LeafIndex { get; private set; }

    public bool HasContent => Commitment.Length > 0;
    public bool IsErased => HasContent && Content is null;

    /// <summary>The exact bytes hashed into the log: a version 2 entry's canonical JSON (docs/record-format.md).</summary>
    public string Leaf() => Version == 1 ? LegacyLeaf() : CanonicalJson.Serialize(new JsonObject
    {
        ["v"] = Version,
        ["type"] = "conversation",
        ["organization"] = OrganizationId.ToString(),
        ["conversation"] = ConversationId,
        ["index"] = Index,
        ["kind"] = RecordKinds.Name(Kind),
        ["message"] = MessageSeq == 0 ? null : MessageSeq,
        ["actor"] = ActorId.ToString(),
        ["at"] = At.ToUnixTimeMilliseconds(),
        ["data"] = Data is null ? null : JsonNode.Parse(Data),
        ["commitment"] = HasContent ? Commitment : null,
        ["previous"] = PreviousHash,
    });

    /// <summary>A version 1 entry as a leaf: its fields and its hash under the old rule, which the verifier recomputes.</summary>
    private string LegacyLeaf() => CanonicalJson.Serialize(new JsonObject
    {
        ["v"] = 1,
        ["type"] = "conversation",
        ["organization"] = OrganizationId.ToString(),
        ["conversation"] = ConversationId,
        ["index"] = Index,
        ["kind"] = (int)Kind,
        ["message"] = MessageSeq,
        ["actor"] = ActorId.ToString(),
        ["at"] = At.ToUnixTimeMilliseconds(),
        ["commitment"] = Commitment,
        ["previous"] = PreviousHash,
        ["hash"] = Hash,
    });

    public string ComputeHash() => Version == 1
        ? ChainHash.Link(PreviousHash,
            OrganizationId.ToString(), ConversationId.ToString(CultureInfo.InvariantCulture), Index.ToString(CultureInfo.InvariantCulture),
            ((int)Kind).ToString(CultureInfo.InvariantCulture), MessageSeq.ToString(CultureInfo.InvariantCulture), ActorId.ToString(),
            ChainHash.Time(At), Commitment)
        : Convert.ToHexStringLower(Rfc9162.LeafHash(Encoding.UTF8.GetBytes(Leaf())));

    /// <summary>The hash this entry has in the organization's log: for version 2 its <see cref="Hash"/>; for version 1 that of its leaf.</summary>
    public byte[] LeafHash() => Version == 1 ? Rfc9162.LeafHash(Encoding.UTF8.GetBytes(Leaf())) : Convert.FromHexString(Hash);

    /// <summary>True when the content matches its commitment. Content erased (null) is checked against erasure entries elsewhere.</summary>
    public bool ContentMatchesCommitment() =>
        !HasContent ? Content is null && Salt is null
        : Content is null ? Salt is null
        : Salt is not null && Salt.Length == 32 && Salt.All(char.IsAsciiHexDigitLower) && ChainHash.Commit(Convert.FromHexString(Salt), Content) == Commitment;

    /// <summary>Removes the content for good; the commitment stays, so the chain still verifies. Only with an erasure entry.</summary>
    internal void Erase()
    {
        Content = null;
        Salt = null;
    }
}

internal sealed class RecordEntryConfiguration : IEntityTypeConfiguration<RecordEntry>
{
    public void Configure(EntityTypeBuilder<RecordEntry> e)
    {
        e.HasIndex(r => new { r.ConversationId, r.Index }).IsUnique();
        e.HasIndex(r => new { r.ConversationId, r.MessageSeq });
        // The sequencer finds entries not yet in the log, and proofs find entries by their leaf.
        e.HasIndex(r => new { r.OrganizationId, r.LeafIndex });
        e.Property(r => r.Version).HasDefaultValue(1);
        e.Property(r => r.Salt).HasMaxLength(32);
        e.Property(r => r.Commitment).HasMaxLength(64);
        e.Property(r => r.PreviousHash).HasMaxLength(64);
        e.Property(r => r.Hash).HasMaxLength(64);
    }
}
