using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Files;

namespace Parley.Server.Features.Messages;

/// <summary>A message as clients see it. A deleted message keeps its place as a tombstone with no content.</summary>
/// <param name="Seq">Place in the conversation, 1, 2, 3… with no gaps.</param>
/// <param name="Position">Record index of the last change to this message; pass the largest one you hold to <c>/changes?after=</c>.</param>
/// <param name="PinnedAt">When it was pinned to the conversation; null when it is not pinned.</param>
/// <param name="PinnedBy">Who pinned it.</param>
public sealed record MessageDto(
    long Id, long ConversationId, long Seq, long Position, Guid SenderId, string? Content, string? Html, long? ThreadRootId,
    int ReplyCount, DateTimeOffset? LastReplyAt, DateTimeOffset CreatedAt, DateTimeOffset? EditedAt, DateTimeOffset? DeletedAt,
    bool Deleted, Guid? ClientMessageId, IReadOnlyList<Guid> Mentions, bool MentionsChannel,
    IReadOnlyList<ReactionDto> Reactions, IReadOnlyList<FileDto> Attachments, DateTimeOffset? PinnedAt = null, Guid? PinnedBy = null);

public sealed record ReactionDto(string Emoji, int Count, IReadOnlyList<Guid> UserIds);

public static class MessageDtos
{
    /// <summary>DTOs for a page of messages in four queries, whatever the page size.</summary>
    public static async Task<List<MessageDto>> ToDtosAsync(this ParleyDb db, IReadOnlyList<Message> messages, CancellationToken ct)
    {
        if (messages.Count == 0)
            return [];
        var ids = messages.Select(m => m.Id).ToList();
        var mentions = (await db.Mentions.Where(m => ids.Contains(m.MessageId)).Select(m => new { m.MessageId, m.UserId }).ToListAsync(ct))
            .ToLookup(m => m.MessageId, m => m.UserId);
        var reactions = (await db.Reactions.Where(r => ids.Contains(r.MessageId)).OrderBy(r => r.CreatedAt).ToListAsync(ct))
            .ToLookup(r => r.MessageId);
        var files = (await db.Files.Where(f => f.MessageId != null && ids.Contains(f.MessageId.Value)).ToListAsync(ct))
            .ToLookup(f => f.MessageId!.Value);

        return messages.Select(m => m.ToDto(mentions[m.Id].ToList(),
            reactions[m.Id].GroupBy(r => r.Emoji).Select(g => new ReactionDto(g.Key, g.Count(), g.Select(r => r.UserId).ToList())).ToList(),
            files[m.Id].Select(f => f.ToDto()).ToList())).ToList();
    }

    /// <summary>The wire shape of a message whose mentions, reactions and files are already at hand.</summary>
    public static MessageDto ToDto(this Message m, IReadOnlyList<Guid> mentions, IReadOnlyList<ReactionDto> reactions, IReadOnlyList<FileDto> files) =>
        m.IsDeleted
            ? new MessageDto(m.Id, m.ConversationId, m.Seq, m.Position, m.SenderId, null, null, m.ThreadRootId, m.ReplyCount, m.LastReplyAt,
                m.CreatedAt, m.EditedAt, m.DeletedAt, true, m.ClientMessageId, [], false, [], [])
            : new MessageDto(m.Id, m.ConversationId, m.Seq, m.Position, m.SenderId, m.Content, m.Html, m.ThreadRootId, m.ReplyCount,
                m.LastReplyAt, m.CreatedAt, m.EditedAt, null, false, m.ClientMessageId, mentions, m.MentionsChannel, reactions, files,
                m.PinnedAt, m.PinnedBy);

    public static async Task<MessageDto> ToDtoAsync(this ParleyDb db, Message message, CancellationToken ct) =>
        (await db.ToDtosAsync([message], ct))[0];
}
