using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Messages;

public static class EditMessage
{
    public sealed record Request
    {
        public string? Content { get; init; }
    }

    /// <summary>Only the sender edits; the previous text stays in the record.</summary>
    public static async Task<Results<Ok<MessageDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, long messageId, Request request, CurrentUser me, ParleyDb db, MarkdownRenderer markdown,
        LiveEvents events, IOptions<MessageOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var (access, message) = await db.MessageAccessAsync(me, conversationId, messageId, ct);
        if (message is null)
            return Problems.NotFound("message");
        if (Refusal(access, message, me) is { } refused)
            return refused;
        if (!PolicyRules.WithinWindow((await db.PoliciesAsync(me.OrganizationId, ct)).EditWindowMinutes, message.CreatedAt, clock.GetUtcNow()))
            return Problems.Forbidden("edit-window-passed", "The organization's time to edit this message has passed.");
        message.EnsureNotDeleted();
        var attachments = await db.Files.CountAsync(f => f.MessageId == message.Id, ct);
        MessageChecks.ValidateContent(request.Content, attachments, options.Value);

        var rendered = markdown.Render(request.Content ?? "");
        var mentioned = await db.MentionedMembersAsync(me, conversationId, rendered.MentionedHandles, ct);
        var now = clock.GetUtcNow();

        await using var turn = events.TurnIn(conversationId);
        await using var tx = await db.BeginWriteAsync(ct);
        var position = await db.AdvanceAsync(conversationId, newMessage: false, ct);
        turn.Take();
        // Read again under the lock: a removal, an archive or a delete may have just committed.
        if (Refusal(await db.ConversationAccessUnderLockAsync(me, conversationId, ct), message, me) is { } refusedNow)
            return refusedNow;
        await db.Entry(message).ReloadAsync(ct);
        message.Edit(rendered, position.EntryIndex, now);
        await db.Mentions.Where(m => m.MessageId == message.Id).ExecuteDeleteAsync(ct);
        foreach (var userId in mentioned)
            db.Mentions.Add(new Mention(message, userId));
        await db.AppendAsync(access!.Conversation, position, RecordKind.MessageEdited, message.Seq, me.Id, now,
            RecordFacts.Edited(MarkdownRenderer.Version), RecordFacts.MessageContent(rendered.Source, rendered.Html), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        var dto = await db.ToDtoAsync(message, ct);
        await events.MessageChangedAsync(turn, LiveEvents.MessageChange.Edited, dto, ct);
        return TypedResults.Ok(dto);
    }

    /// <summary>Why the caller may not edit, or null when they may. Asked before the lock and again under it.</summary>
    private static ProblemHttpResult? Refusal(ConversationAccess? access, Message message, CurrentUser me) =>
        access is null ? Problems.NotFound("message")
        : message.SenderId != me.Id ? Problems.Forbidden("not-the-sender", "Only the sender can edit a message.")
        : !access.CanPost ? Problems.Forbidden("not-a-member", "You can no longer post in this conversation.")
        : null;
}

public static class DeleteMessage
{
    /// <summary>
    /// The sender deletes their own message; moderators and admins delete anyone's (and that is audited). Users then
    /// see a tombstone; the record keeps the text.
    /// </summary>
    public static async Task<Results<Ok<MessageDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, long messageId, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var (access, message) = await db.MessageAccessAsync(me, conversationId, messageId, ct);
        if (message is null)
            return Problems.NotFound("message");
        if (Refusal(access, message, me) is { } refused)
            return refused;
        var own = message.SenderId == me.Id;
        if (own && !access!.CanModerate
            && !PolicyRules.WithinWindow((await db.PoliciesAsync(me.OrganizationId, ct)).DeleteWindowMinutes, message.CreatedAt, clock.GetUtcNow()))
            return Problems.Forbidden("delete-window-passed", "The organization's time to delete this message has passed.");
        message.EnsureNotDeleted();

        var now = clock.GetUtcNow();
        await using var turn = events.TurnIn(conversationId);
        await using var tx = await db.BeginWriteAsync(ct);
        var position = await db.AdvanceAsync(conversationId, newMessage: false, ct);
        turn.Take();
        // Read again under the lock: a removal, a demotion or a concurrent delete may have just committed.
        if (Refusal(await db.ConversationAccessUnderLockAsync(me, conversationId, ct), message, me) is { } refusedNow)
            return refusedNow;
        await db.Entry(message).ReloadAsync(ct);
        message.Delete(me.Id, position.EntryIndex, now);
        await db.Mentions.Where(m => m.MessageId == message.Id).ExecuteDeleteAsync(ct);
        await db.AppendAsync(access!.Conversation, position, RecordKind.MessageDeleted, message.Seq, me.Id, now,
            RecordFacts.Deleted(own), null, ct);
        if (!own)   // the conversation first, then the organization's audit head (docs/architecture.md, "Lock order")
            await db.AuditAsync(me, AuditAction.MessageDeletedByOther, "message", message.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                new { conversationId, seq = message.Seq, sender = message.SenderId }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        var dto = await db.ToDtoAsync(message, ct);
        await events.MessageChangedAsync(turn, LiveEvents.MessageChange.Deleted, dto, ct);
        return TypedResults.Ok(dto);
    }

    /// <summary>Why the caller may not delete, or null when they may. Asked before the lock and again under it.</summary>
    private static ProblemHttpResult? Refusal(ConversationAccess? access, Message message, CurrentUser me)
    {
        if (access is null)
            return Problems.NotFound("message");
        var own = message.SenderId == me.Id;
        if (!own && !access.CanModerate)
            return Problems.Forbidden("not-the-sender", "Only the sender, a moderator or an admin can delete this message.");
        if (own && !access.IsMember && !access.CanModerate)
            return Problems.Forbidden("not-a-member", "You are no longer a member of this conversation.");
        return null;
    }
}

public static class React
{
    public static async Task<Results<Ok<MessageDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, long messageId, string emoji, bool add, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock,
        CancellationToken ct)
    {
        var (access, message) = await db.MessageAccessAsync(me, conversationId, messageId, ct);
        if (message is null)
            return Problems.NotFound("message");
        if (Refusal(access) is { } refused)
            return refused;
        message.EnsureNotDeleted();
        emoji = Reaction.Valid(emoji);

        var existing = await db.Reactions.SingleOrDefaultAsync(r => r.MessageId == message.Id && r.UserId == me.Id && r.Emoji == emoji, ct);
        if (add == (existing is not null))
            return TypedResults.Ok(await db.ToDtoAsync(message, ct));       // already so: nothing to record

        var now = clock.GetUtcNow();
        await using var turn = events.TurnIn(conversationId);
        await using var tx = await db.BeginWriteAsync(ct);
        var position = await db.AdvanceAsync(conversationId, newMessage: false, ct);
        turn.Take();
        // Checked again under the lock: the caller may have just lost access, or a concurrent request may have just
        // made the same change, or deleted the message.
        if (Refusal(await db.ConversationAccessUnderLockAsync(me, conversationId, ct)) is { } refusedNow)
            return refusedNow;
        await db.Entry(message).ReloadAsync(ct);
        message.EnsureNotDeleted();
        existing = await db.Reactions.SingleOrDefaultAsync(r => r.MessageId == message.Id && r.UserId == me.Id && r.Emoji == emoji, ct);
        if (add == (existing is not null))
            return TypedResults.Ok(await db.ToDtoAsync(message, ct));       // nothing to record: the transaction rolls back
        if (add)
            db.Reactions.Add(new Reaction(message.Id, me.Id, emoji, now));
        else
            db.Reactions.Remove(existing!);
        message.Touch(position.EntryIndex);
        await db.AppendAsync(access!.Conversation, position, add ? RecordKind.ReactionAdded : RecordKind.ReactionRemoved,
            message.Seq, me.Id, now, RecordFacts.Reaction(emoji), null, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        var dto = await db.ToDtoAsync(message, ct);
        await events.MessageChangedAsync(turn, LiveEvents.MessageChange.Reaction, dto, ct);
        return TypedResults.Ok(dto);
    }

    /// <summary>Why the caller may not react, or null when they may. Asked before the lock and again under it.</summary>
    private static ProblemHttpResult? Refusal(ConversationAccess? access) =>
        access is null ? Problems.NotFound("message")
        : !access.CanPost ? Problems.Forbidden("not-a-member", "Join this conversation to react in it.")
        : null;
}

public static class MessageAccessQueries
{
    /// <summary>The conversation access and the message, or nulls when either is missing or invisible.</summary>
    public static async Task<(ConversationAccess? Access, Message? Message)> MessageAccessAsync(this ParleyDb db, CurrentUser me,
        long conversationId, long messageId, CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return (null, null);
        var message = await db.Messages.SingleOrDefaultAsync(m => m.Id == messageId && m.ConversationId == conversationId, ct);
        return (access, message);
    }
}
