using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Messages;

public static class SendMessage
{
    public sealed record Request
    {
        /// <summary>Markdown. Length is checked against Parley:Messages:MaxLength.</summary>
        public string? Content { get; init; }

        /// <summary>Chosen by the client: a retry with the same id returns the original message instead of a copy.</summary>
        public Guid? ClientMessageId { get; init; }

        /// <summary>Set to reply in the thread of this top-level message.</summary>
        public long? ThreadRootId { get; init; }

        /// <summary>Files uploaded to this conversation by the sender and not yet sent.</summary>
        [MaxLength(100)] public List<Guid>? AttachmentIds { get; init; }
    }

    public static async Task<Results<Created<MessageDto>, Ok<MessageDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, Request request, CurrentUser me, ParleyDb db, MarkdownRenderer markdown, LiveEvents events,
        IOptions<MessageOptions> options, TimeProvider clock, CancellationToken ct)
    {
        // A retry of a message that was committed answers the original, even if the sender has since lost access:
        // the message was sent while they had it.
        if (request.ClientMessageId is { } clientId && await FindRetryAsync(db, me, clientId, ct) is { } retry)
            return await RetryAnswerAsync(db, retry, conversationId, ct);
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (Refusal(access) is { } refused)
            return refused;

        var attachmentIds = (request.AttachmentIds ?? []).Distinct().ToList();
        MessageChecks.ValidateContent(request.Content, attachmentIds.Count, options.Value);

        Message? root = null;
        if (request.ThreadRootId is { } rootId)
        {
            root = await db.Messages.SingleOrDefaultAsync(m => m.Id == rootId && m.ConversationId == conversationId && m.ThreadRootId == null, ct);
            if (root is null || root.IsDeleted)
                return Problems.BadRequest("thread-root-invalid", "Replies go to a visible top-level message of the same conversation.");
        }
        var files = attachmentIds.Count == 0 ? [] : await db.Files
            .Where(f => attachmentIds.Contains(f.Id) && f.ConversationId == conversationId && f.UploaderId == me.Id && f.MessageId == null)
            .ToListAsync(ct);
        if (files.Count != attachmentIds.Count)
            return Problems.BadRequest("attachment-invalid", "Attach only files you uploaded to this conversation and have not sent yet.");
        files = attachmentIds.Select(id => files.Single(f => f.Id == id)).ToList();      // in the order the sender gave

        var rendered = markdown.Render(request.Content ?? "");
        var mentioned = await db.MentionedMembersAsync(me, conversationId, rendered.MentionedHandles, ct);
        var now = clock.GetUtcNow();

        await using var turn = events.TurnIn(conversationId);
        Message message;
        try
        {
            await using var tx = await db.BeginWriteAsync(ct);
            var position = await db.AdvanceAsync(conversationId, newMessage: true, ct);
            turn.Take();
            // Access again, under the lock: a removal or an archive that committed since the check above counts.
            if (Refusal(await db.ConversationAccessUnderLockAsync(me, conversationId, ct)) is { } refusedNow)
                return refusedNow;
            if (root is not null)
            {
                await db.Entry(root).ReloadAsync(ct);      // under the lock: count on from replies committed meanwhile
                if (root.IsDeleted)
                    return Problems.BadRequest("thread-root-invalid", "Replies go to a visible top-level message of the same conversation.");
            }
            message = new Message(me.OrganizationId, conversationId, position.MessageSeq, me.Id, request.ClientMessageId, root?.Id,
                rendered, position.EntryIndex, now);
            db.Messages.Add(message);
            foreach (var userId in mentioned)
                db.Mentions.Add(new Mention(message, userId));
            root?.ReplyAdded(position.EntryIndex, now);
            await db.AppendAsync(access!.Conversation, position, RecordKind.MessagePosted, message.Seq, me.Id, now,
                RecordFacts.Posted(root?.Seq, files, MarkdownRenderer.Version), RecordFacts.MessageContent(rendered.Source, rendered.Html), ct);
            await db.SaveChangesAsync(ct);
            if (files.Count > 0)
            {
                foreach (var file in files)
                    file.AttachTo(message.Id);
                await db.SaveChangesAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException) when (request.ClientMessageId is { } racedId)
        {
            // Two retries raced past the check above; the unique index let exactly one of them commit.
            db.ChangeTracker.Clear();
            if (await FindRetryAsync(db, me, racedId, ct) is not { } winner)
                throw;
            return await RetryAnswerAsync(db, winner, conversationId, ct);
        }

        var dto = message.ToDto(mentioned, [], files.Select(f => f.ToDto()).ToList());   // all at hand: no re-read
        await events.MessageChangedAsync(turn, LiveEvents.MessageChange.Created, dto, ct);
        return TypedResults.Created($"/api/v1/conversations/{conversationId}/messages/{message.Id}", dto);
    }

    /// <summary>Why the caller may not post here, or null when they may. Asked before the lock and again under it.</summary>
    private static ProblemHttpResult? Refusal(ConversationAccess? access)
    {
        if (access is null)
            return Problems.NotFound("conversation");
        if (!access.IsMember)
            return Problems.Forbidden("not-a-member", "Join this conversation before posting in it.");
        access.Conversation.EnsureWritable();
        return null;
    }

    private static async Task<Results<Created<MessageDto>, Ok<MessageDto>, ProblemHttpResult>> RetryAnswerAsync(ParleyDb db, Message retry,
        long conversationId, CancellationToken ct) =>
        retry.ConversationId == conversationId
            ? TypedResults.Ok(await db.ToDtoAsync(retry, ct))
            : Problems.Conflict("client-message-id-reused", "This client message id was already used for another conversation.");

    private static Task<Message?> FindRetryAsync(ParleyDb db, CurrentUser me, Guid clientId, CancellationToken ct) =>
        db.Messages.SingleOrDefaultAsync(m => m.SenderId == me.Id && m.ClientMessageId == clientId, ct);
}
