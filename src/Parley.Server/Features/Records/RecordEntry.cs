using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Parley.Server.Features.Records;

/// <summary>Stored as numbers: never renumber.</summary>
public enum RecordKind { MessagePosted = 1, MessageEdited = 2, MessageDeleted = 3, ReactionAdded = 4, ReactionRemoved = 5 }

/// <summary>
/// One link of a conversation's record: append-only, never updated except to erase <see cref="Content"/> and
/// <see cref="Salt"/> by policy. The current message table is derived from these entries.
/// </summary>
public sealed class RecordEntry
{
    private RecordEntry() { }

    public RecordEntry(Guid organizationId, long conversationId, long index, RecordKind kind, long messageSeq,
        Guid actorId, string content, DateTimeOffset at, string previousHash)
    {
        OrganizationId = organizationId;
        ConversationId = conversationId;
        Index = index;
        Kind = kind;
        MessageSeq = messageSeq;
        ActorId = actorId;
        At = at;
        Content = content;
        var salt = ChainHash.NewSalt();
        Salt = Convert.ToHexStringLower(salt);
        Commitment = ChainHash.Commit(salt, content);
        PreviousHash = previousHash;
        Hash = ComputeHash();
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public long ConversationId { get; private set; }

    /// <summary>Position in the conversation's chain, from 1 with no gaps.</summary>
    public long Index { get; private set; }
    public RecordKind Kind { get; private set; }
    /// <summary>The message this entry is about, by its sequence number in the conversation.</summary>
    public long MessageSeq { get; private set; }
    public Guid ActorId { get; private set; }
    public DateTimeOffset At { get; private set; }

    /// <summary>What was said (text for posts and edits, the emoji for reactions); null once erased.</summary>
    public string? Content { get; private set; }
    public string? Salt { get; private set; }
    public string Commitment { get; private set; } = "";
    public string PreviousHash { get; private set; } = "";
    public string Hash { get; private set; } = "";

    public string ComputeHash() => ChainHash.Link(PreviousHash,
        OrganizationId.ToString(), ConversationId.ToString(CultureInfo.InvariantCulture), Index.ToString(CultureInfo.InvariantCulture),
        ((int)Kind).ToString(CultureInfo.InvariantCulture), MessageSeq.ToString(CultureInfo.InvariantCulture), ActorId.ToString(),
        ChainHash.Time(At), Commitment);

    /// <summary>True when the content still matches its commitment, or was erased.</summary>
    public bool ContentMatchesCommitment() =>
        Content is null || Salt is null || ChainHash.Commit(Convert.FromHexString(Salt), Content) == Commitment;
}

internal sealed class RecordEntryConfiguration : IEntityTypeConfiguration<RecordEntry>
{
    public void Configure(EntityTypeBuilder<RecordEntry> e)
    {
        e.HasIndex(r => new { r.ConversationId, r.Index }).IsUnique();
        e.HasIndex(r => new { r.ConversationId, r.MessageSeq });
        e.Property(r => r.Salt).HasMaxLength(32);
        e.Property(r => r.Commitment).HasMaxLength(64);
        e.Property(r => r.PreviousHash).HasMaxLength(64);
        e.Property(r => r.Hash).HasMaxLength(64);
    }
}
