using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Conversations;
using Parley.Server.Platform;

namespace Parley.Server.Features.Messages;

/// <param name="Messages">Oldest first.</param>
/// <param name="HasMore">More messages lie beyond this page in the direction asked.</param>
/// <param name="Position">The conversation's record position when read: catch up from here with /changes.</param>
public sealed record MessagePageDto(IReadOnlyList<MessageDto> Messages, bool HasMore, long LastMessageSeq, long Position);

/// <param name="Position">Pass as <c>after</c> next time. Equals the conversation's head when <c>Complete</c>.</param>
public sealed record ChangesDto(IReadOnlyList<MessageDto> Messages, long Position, bool Complete);

public static class ListMessages
{
    public const int DefaultLimit = 50, MaxLimit = 200;

    /// <summary>
    /// The conversation's top-level messages. Without a cursor: the newest page. <c>before</c>: the page older than that
    /// seq. <c>after</c>: the page newer than that seq.
    /// </summary>
    public static async Task<Results<Ok<MessagePageDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, long? before, long? after, int? limit, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (before is not null && after is not null)
            return Problems.BadRequest("cursor-invalid", "Give before or after, not both.");
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
            return Problems.BadRequest("limit-invalid", $"limit is 1 to {MaxLimit}.");
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");

        var query = db.Messages.Where(m => m.ConversationId == conversationId && m.ThreadRootId == null);
        List<Message> page;
        if (after is { } a)
            page = await query.Where(m => m.Seq > a).OrderBy(m => m.Seq).Take(take + 1).ToListAsync(ct);
        else
        {
            if (before is { } b)
                query = query.Where(m => m.Seq < b);
            page = await query.OrderByDescending(m => m.Seq).Take(take + 1).ToListAsync(ct);
            page.Reverse();
        }
        var hasMore = page.Count > take;
        if (hasMore)
            page = after is null ? page[1..] : page[..take];
        return TypedResults.Ok(new MessagePageDto(await db.ToDtosAsync(page, ct), hasMore,
            access.Conversation.LastMessageSeq, access.Conversation.LastEntryIndex));
    }
}

public static class ListReplies
{
    public static async Task<Results<Ok<MessagePageDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, long messageId, long? after, int? limit, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var take = limit ?? ListMessages.MaxLimit;
        if (take is < 1 or > ListMessages.MaxLimit)
            return Problems.BadRequest("limit-invalid", $"limit is 1 to {ListMessages.MaxLimit}.");
        var (access, root) = await db.MessageAccessAsync(me, conversationId, messageId, ct);
        if (access is null || root is null || root.ThreadRootId is not null)
            return Problems.NotFound("thread");
        var page = await db.Messages.Where(m => m.ThreadRootId == root.Id && m.Seq > (after ?? 0))
            .OrderBy(m => m.Seq).Take(take + 1).ToListAsync(ct);
        var hasMore = page.Count > take;
        return TypedResults.Ok(new MessagePageDto(await db.ToDtosAsync(hasMore ? page[..take] : page, ct), hasMore,
            access.Conversation.LastMessageSeq, access.Conversation.LastEntryIndex));
    }
}

public static class ListChanges
{
    /// <summary>
    /// Catch-up after a disconnect: every message (top-level or reply) created, edited, deleted or reacted to after
    /// record position <c>after</c>, once each, in the order of its latest change.
    /// </summary>
    public static async Task<Results<Ok<ChangesDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, long after, int? limit, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var take = limit ?? ListMessages.MaxLimit;
        if (take is < 1 or > ListMessages.MaxLimit || after < 0)
            return Problems.BadRequest("limit-invalid", $"after is 0 or more and limit is 1 to {ListMessages.MaxLimit}.");
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");

        var changed = db.Messages.Where(m => m.ConversationId == conversationId && m.Position > after);
        var page = await changed.OrderBy(m => m.Position).ThenBy(m => m.Seq).Take(take + 1).ToListAsync(ct);
        var complete = page.Count <= take;
        // The head was read first; a change committed since then may be in the page, so take the larger.
        var position = Math.Max(access.Conversation.LastEntryIndex, page.Count > 0 ? page[^1].Position : 0);
        if (!complete)
        {
            // A reply and its thread root can share a position: never cut between them.
            position = page[take - 1].Position;
            page = await changed.Where(m => m.Position <= position).OrderBy(m => m.Position).ThenBy(m => m.Seq).ToListAsync(ct);
        }
        return TypedResults.Ok(new ChangesDto(await db.ToDtosAsync(page, ct), position, complete));
    }
}
