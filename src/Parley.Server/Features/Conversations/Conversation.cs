using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Platform;

namespace Parley.Server.Features.Conversations;

/// <summary>Stored as numbers: never renumber.</summary>
public enum ConversationKind { PublicChannel = 1, PrivateChannel = 2, Direct = 3, Group = 4 }

/// <summary>
/// A channel or a direct conversation. Its message order and its record chain are counted here
/// (<see cref="LastMessageSeq"/>, <see cref="LastEntryIndex"/>, <see cref="HeadHash"/>); those three columns are
/// only ever moved by <see cref="ConversationChain"/> under a row lock, never through this entity.
/// </summary>
public sealed class Conversation
{
    public const int MaxNameLength = 80, MaxTopicLength = 250, MaxGroupSize = 9;

    private Conversation() { }

    public Conversation(Guid organizationId, ConversationKind kind, string? name, string? topic, Guid createdBy, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        Kind = kind;
        if (IsChannel)
        {
            SetName(name ?? "");
            SetTopic(topic);
        }
        CreatedBy = createdBy;
        CreatedAt = now;
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public ConversationKind Kind { get; private set; }
    public string? Name { get; private set; }
    public string? NormalizedName { get; private set; }
    public string? Topic { get; private set; }

    /// <summary>For direct and group conversations: the sorted member ids, so the same people get the same conversation.</summary>
    public string? DirectKey { get; private set; }
    public Guid CreatedBy { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ArchivedAt { get; private set; }

    /// <summary>A public channel that people join when their account is created (set by admins: DefaultChannels).</summary>
    public bool IsDefault { get; private set; }
    public long LastMessageSeq { get; private set; }
    public long LastEntryIndex { get; private set; }
    public string HeadHash { get; private set; } = "";
    public Guid Version { get; private set; } = Guid.NewGuid();

    public bool IsChannel => Kind is ConversationKind.PublicChannel or ConversationKind.PrivateChannel;
    public bool IsArchived => ArchivedAt is not null;

    public static Conversation Direct(Guid organizationId, IReadOnlyCollection<Guid> memberIds, Guid createdBy, DateTimeOffset now) =>
        new(organizationId, memberIds.Count == 2 ? ConversationKind.Direct : ConversationKind.Group, null, null, createdBy, now)
        {
            DirectKey = DirectKeyOf(memberIds),
        };

    public static string DirectKeyOf(IEnumerable<Guid> memberIds) => string.Join(',', memberIds.Distinct().Order());

    public void Rename(string name)
    {
        EnsureChannel();
        EnsureWritable();
        SetName(name);
        Version = Guid.NewGuid();
    }

    public void ChangeTopic(string? topic)
    {
        EnsureChannel();
        EnsureWritable();
        SetTopic(topic);
        Version = Guid.NewGuid();
    }

    public void Archive(DateTimeOffset now)
    {
        EnsureChannel();
        EnsureWritable();
        ArchivedAt = now;
        Version = Guid.NewGuid();
    }

    public void Unarchive()
    {
        if (!IsArchived)
            throw new DomainException("conversation-not-archived", "This conversation is not archived.", 409);
        ArchivedAt = null;
        Version = Guid.NewGuid();
    }

    public void EnsureWritable()
    {
        if (IsArchived)
            throw new DomainException("conversation-archived", "This conversation is archived and read-only. Unarchive it first.");
    }

    private void EnsureChannel()
    {
        if (!IsChannel)
            throw new DomainException("not-a-channel", "Direct conversations have no name, topic or archive.");
    }

    private void SetName(string name)
    {
        var trimmed = UserText.Name(name).Trim();
        if (trimmed.Length is 0 or > MaxNameLength || trimmed.Any(char.IsControl))
            throw new DomainException("conversation-name-invalid", $"Channel names are 1 to {MaxNameLength} characters without control characters.", 400);
        Name = trimmed;
        NormalizedName = trimmed.ToUpperInvariant();
    }

    private void SetTopic(string? topic)
    {
        var trimmed = topic is null ? null : UserText.Name(topic).Trim();
        if (trimmed is { Length: > MaxTopicLength } || (trimmed?.Any(c => char.IsControl(c) && c != '\n') ?? false))
            throw new DomainException("conversation-topic-invalid", $"Topics are at most {MaxTopicLength} characters.", 400);
        Topic = string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }
}

internal sealed class ConversationConfiguration : IEntityTypeConfiguration<Conversation>
{
    public void Configure(EntityTypeBuilder<Conversation> e)
    {
        e.Property(c => c.Name).HasMaxLength(Conversation.MaxNameLength);
        e.Property(c => c.NormalizedName).HasMaxLength(Conversation.MaxNameLength);
        e.Property(c => c.Topic).HasMaxLength(Conversation.MaxTopicLength);
        e.Property(c => c.DirectKey).HasMaxLength(40 * Conversation.MaxGroupSize);
        e.Property(c => c.HeadHash).HasMaxLength(64);
        e.Property(c => c.Version).IsConcurrencyToken();
        // Only public channels' names are unique (see ConversationQueries.NameTakenAsync): a private channel's name
        // conflicts with nothing, so a refusal never tells anyone that a channel they cannot see exists.
        // The filter is the same SQL on both engines. NULLs are distinct on both: channels have no direct key.
        e.HasIndex(c => new { c.OrganizationId, c.NormalizedName }).IsUnique().HasFilter($"\"Kind\" = {(int)ConversationKind.PublicChannel}");
        e.HasIndex(c => new { c.OrganizationId, c.DirectKey }).IsUnique();
        e.HasOne<Organizations.Organization>().WithMany().HasForeignKey(c => c.OrganizationId);
    }
}
