using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Messages;

/// <summary>
/// Pins a message to its conversation, or unpins it. Anyone who may post pins; a pin is removed by the person who made it,
/// by the message's sender, or by a moderator (the conversation's moderators and owners, and organization admins who
/// may post there). Nobody pins or unpins in an archived conversation. Each pin and unpin is a record entry.
/// </summary>
public static class PinMessage
{
    public const int MaxPinsPerConversation = 100;

    public static async Task<Results<Ok<MessageDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, long messageId, bool pin, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock,
        CancellationToken ct)
    {
        var (access, message) = await db.MessageAccessAsync(me, conversationId, messageId, ct);
        if (message is null)
            return Problems.NotFound("message");
        if (Refusal(access, message, pin, me) is { } refused)
            return refused;
        if (pin)
            message.EnsureNotDeleted();
        if (pin == message.IsPinned)
            return TypedResults.Ok(await db.ToDtoAsync(message, ct));       // already so: nothing to record

        var now = clock.GetUtcNow();
        await using var turn = events.TurnIn(conversationId);
        await using var tx = await db.BeginWriteAsync(ct);
        var position = await db.AdvanceAsync(conversationId, newMessage: false, ct);
        turn.Take();
        // Read again under the lock: the caller may have just lost access, or a concurrent request may have just made the
        // same change, deleted the message or taken the last free pin.
        await db.Entry(message).ReloadAsync(ct);
        if (Refusal(await db.ConversationAccessUnderLockAsync(me, conversationId, ct), message, pin, me) is { } refusedNow)
            return refusedNow;
        if (pin == message.IsPinned)
            return TypedResults.Ok(await db.ToDtoAsync(message, ct));       // nothing to record: the transaction rolls back
        if (pin)
        {
            message.EnsureNotDeleted();
            if (await db.Messages.CountAsync(m => m.ConversationId == conversationId && m.PinnedAt != null, ct) >= MaxPinsPerConversation)
                return Problems.Conflict("pin-limit-reached",
                    $"A conversation holds at most {MaxPinsPerConversation} pinned messages. Unpin one first.");
            message.Pin(me.Id, position.EntryIndex, now);
        }
        else
            message.Unpin(position.EntryIndex);
        await db.AppendAsync(access!.Conversation, position, pin ? RecordKind.MessagePinned : RecordKind.MessageUnpinned,
            message.Seq, me.Id, now, RecordFacts.Pin(), null, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        var dto = await db.ToDtoAsync(message, ct);
        await events.MessageChangedAsync(turn, LiveEvents.MessageChange.Pin, dto, ct);
        return TypedResults.Ok(dto);
    }

    /// <summary>Why the caller may not pin or unpin, or null when they may. Asked before the lock and again under it.</summary>
    private static ProblemHttpResult? Refusal(ConversationAccess? access, Message message, bool pin, CurrentUser me) =>
        access is null ? Problems.NotFound("message")
        : access.Conversation.IsArchived ? Problems.Unprocessable("conversation-archived", "This conversation is archived and read-only.")
        : !access.CanPost ? Problems.Forbidden("not-a-member", "Join this conversation to pin messages in it.")
        : !pin && message.PinnedBy is { } pinner && pinner != me.Id && message.SenderId != me.Id && !access.CanModerate
            ? Problems.Forbidden("not-the-pinner", "Only the person who pinned this message, its sender or a moderator can unpin it.")
        : null;
}

public static class ListPins
{
    /// <summary>The conversation's pinned messages, the most recently pinned first.</summary>
    public static async Task<Results<Ok<List<MessageDto>>, ProblemHttpResult>> HandleAsync(
        long conversationId, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (await db.ConversationAccessAsync(me, conversationId, ct) is null)
            return Problems.NotFound("conversation");
        var pinned = await db.Messages.AsNoTracking()
            .Where(m => m.ConversationId == conversationId && m.PinnedAt != null)
            .OrderByDescending(m => m.PinnedAt).ThenByDescending(m => m.Seq)
            .ToListAsync(ct);
        return TypedResults.Ok(await db.ToDtosAsync(pinned, ct));
    }
}
