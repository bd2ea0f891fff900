using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Server.Platform;

namespace Parley.Server.Features.Messages;

/// <summary>
/// The current state of a message, as users see it. It is derived from the conversation's record
/// (<see cref="Records.RecordEntry"/>): an edit or a deletion changes this row but adds an entry there, so every
/// version stays in the record.
/// </summary>
public sealed class Message
{
    private Message() { }

    public Message(Guid organizationId, long conversationId, long seq, Guid senderId, Guid? clientMessageId, long? threadRootId,
        RenderedMarkdown rendered, long position, DateTimeOffset now)
    {
        OrganizationId = organizationId;
        ConversationId = conversationId;
        Seq = seq;
        SenderId = senderId;
        ClientMessageId = clientMessageId;
        ThreadRootId = threadRootId;
        Content = rendered.Source;
        Html = rendered.Html;
        MentionsChannel = rendered.MentionsChannel;
        Position = position;
        CreatedAt = now;
    }

    public long Id { get; private set; }
    public Guid OrganizationId { get; private set; }
    public long ConversationId { get; private set; }

    /// <summary>The message's place in its conversation: 1, 2, 3… with no gaps.</summary>
    public long Seq { get; private set; }
    public Guid SenderId { get; private set; }
    public Guid? ClientMessageId { get; private set; }
    public long? ThreadRootId { get; private set; }
    public string Content { get; private set; } = "";
    public string Html { get; private set; } = "";
    public bool MentionsChannel { get; private set; }
    public int ReplyCount { get; private set; }
    public DateTimeOffset? LastReplyAt { get; private set; }

    /// <summary>Record index of the last entry that changed this message; clients catch up with it.</summary>
    public long Position { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? EditedAt { get; private set; }
    public DateTimeOffset? DeletedAt { get; private set; }
    public Guid? DeletedBy { get; private set; }

    /// <summary>When the message was pinned to its conversation, and by whom; null when it is not pinned.</summary>
    public DateTimeOffset? PinnedAt { get; private set; }
    public Guid? PinnedBy { get; private set; }

    public bool IsDeleted => DeletedAt is not null;
    public bool IsPinned => PinnedAt is not null;

    public void Edit(RenderedMarkdown rendered, long position, DateTimeOffset now)
    {
        EnsureNotDeleted();
        Content = rendered.Source;
        Html = rendered.Html;
        MentionsChannel = rendered.MentionsChannel;
        EditedAt = now;
        Position = position;
    }

    /// <summary>Hides the message from users' views; its text stays in the record.</summary>
    public void Delete(Guid by, long position, DateTimeOffset now)
    {
        EnsureNotDeleted();
        DeletedAt = now;
        DeletedBy = by;
        Content = "";
        Html = "";
        MentionsChannel = false;
        PinnedAt = null;     // a deleted message leaves the pinned list; the record keeps that it was pinned
        PinnedBy = null;
        Position = position;
    }

    public void Pin(Guid by, long position, DateTimeOffset now)
    {
        EnsureNotDeleted();
        PinnedAt = now;
        PinnedBy = by;
        Position = position;
    }

    public void Unpin(long position)
    {
        PinnedAt = null;
        PinnedBy = null;
        Position = position;
    }

    public void Touch(long position) => Position = position;

    public void ReplyAdded(long position, DateTimeOffset now)
    {
        ReplyCount++;
        LastReplyAt = now;
        Position = position;
    }

    public void EnsureNotDeleted()
    {
        if (IsDeleted)
            throw new DomainException("message-deleted", "This message was deleted.", 409);
    }
}

internal sealed class MessageConfiguration : IEntityTypeConfiguration<Message>
{
    public void Configure(EntityTypeBuilder<Message> e)
    {
        e.HasIndex(m => new { m.ConversationId, m.Seq }).IsUnique();
        e.HasIndex(m => new { m.ConversationId, m.Position });
        e.HasIndex(m => new { m.ConversationId, m.ThreadRootId, m.Seq });
        e.HasIndex(m => new { m.ConversationId, m.PinnedAt });
        // Retries of a send: NULLs are distinct on both engines, so messages without a client id never collide.
        e.HasIndex(m => new { m.SenderId, m.ClientMessageId }).IsUnique();
        e.HasOne<Conversations.Conversation>().WithMany().HasForeignKey(m => m.ConversationId);
    }
}

/// <summary>Someone named in a message with @handle. @channel is a flag on the message, not a row per member.</summary>
public sealed class Mention
{
    private Mention() { }

    public Mention(Message message, Guid userId)
    {
        Message = message;
        UserId = userId;
        ConversationId = message.ConversationId;
        Seq = message.Seq;
    }

    public long MessageId { get; private set; }
    public Message? Message { get; private set; }
    public Guid UserId { get; private set; }
    public long ConversationId { get; private set; }
    public long Seq { get; private set; }
}

internal sealed class MentionConfiguration : IEntityTypeConfiguration<Mention>
{
    public void Configure(EntityTypeBuilder<Mention> e)
    {
        e.HasKey(m => new { m.MessageId, m.UserId });
        e.HasIndex(m => new { m.UserId, m.ConversationId, m.Seq });
        e.HasOne(m => m.Message).WithMany().HasForeignKey(m => m.MessageId);
    }
}

public sealed class Reaction
{
    public const int MaxEmojiLength = 32;

    private Reaction() { }

    public Reaction(long messageId, Guid userId, string emoji, DateTimeOffset now)
    {
        MessageId = messageId;
        UserId = userId;
        Emoji = emoji;
        CreatedAt = now;
    }

    public long MessageId { get; private set; }
    public Guid UserId { get; private set; }
    public string Emoji { get; private set; } = "";
    public DateTimeOffset CreatedAt { get; private set; }

    /// <summary>
    /// An emoji or a short :name: shortcode, in NFC; nothing that could carry markup, and no format character but the
    /// zero-width joiner and the tag characters that emoji sequences and subdivision flags are made of.
    /// </summary>
    public static string Valid(string emoji) =>
        emoji?.Trim() is { Length: > 0 and <= MaxEmojiLength } e && UserText.Refused(e) is null &&
        !e.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>' or '&' or '"' or '\'') &&
        e.EnumerateRunes().All(r => !UserText.IsHiddenInNames(r) || r.Value is 0x200D or (>= 0xE0020 and <= 0xE007F))
            ? e.Normalize(System.Text.NormalizationForm.FormC)
            : throw new DomainException("emoji-invalid", $"A reaction is one emoji or a :shortcode: of at most {MaxEmojiLength} characters.", 400);
}

internal sealed class ReactionConfiguration : IEntityTypeConfiguration<Reaction>
{
    public void Configure(EntityTypeBuilder<Reaction> e)
    {
        e.HasKey(r => new { r.MessageId, r.UserId, r.Emoji });
        e.Property(r => r.Emoji).HasMaxLength(Reaction.MaxEmojiLength);
        e.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId);
    }
}
