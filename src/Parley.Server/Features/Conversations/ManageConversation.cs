using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Conversations;

public static class UpdateConversation
{
    /// <summary>Fields left out stay as they are; an empty topic clears it.</summary>
    public sealed record Request
    {
        [StringLength(Conversation.MaxNameLength, MinimumLength = 1)] public string? Name { get; init; }
        [StringLength(Conversation.MaxTopicLength)] public string? Topic { get; init; }
    }

    public static async Task<Results<Ok<ConversationDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, Request request, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (Refusal(access) is { } refused)
            return refused;

        var c = access!.Conversation;
        var before = new { c.Name, c.Topic };
        if (request.Name is not null)
        {
            c.Rename(request.Name);
            if (await db.NameTakenAsync(c, ct))
                return Problems.Conflict("conversation-name-taken", "A public channel with this name already exists.");
        }
        if (request.Topic is not null)
            c.ChangeTopic(request.Topic);

        try
        {
            if (await db.SaveWithAuditAsync(me, c.Id, Refusal, AuditAction.ConversationChanged, new { before, after = new { c.Name, c.Topic } },
                    http, clock.GetUtcNow(), ct, Facts(before.Name, before.Topic, c)) is { } refusedNow)
                return refusedNow;
        }
        catch (DbUpdateException) when (request.Name is not null)
        {
            // Two renames raced past the check above onto one public name; the unique index let exactly one commit.
            db.ChangeTracker.Clear();
            if (await db.NameTakenAsync(c, ct))
                return Problems.Conflict("conversation-name-taken", "A public channel with this name already exists.");
            throw;
        }
        await events.ConversationChangedAsync(c, ct);
        return TypedResults.Ok(c.ToDto(access.Membership));
    }

    private static ProblemHttpResult? Refusal(ConversationAccess? access) =>
        access is null ? Problems.NotFound("conversation")
        : !access.CanManage ? Problems.Forbidden("not-conversation-manager", "Only this channel's owners and moderators, or an admin, can change it.")
        : null;

    /// <summary>One entry per field that changed: a rename, a topic change.</summary>
    private static List<(RecordKind, JsonObject?, string?)> Facts(string? nameBefore, string? topicBefore, Conversation c)
    {
        var facts = new List<(RecordKind, JsonObject?, string?)>();
        if (c.Name != nameBefore)
            facts.Add((RecordKind.ConversationRenamed, null, RecordFacts.ChannelContent(c.Name, null, withTopic: false)));
        if (c.Topic != topicBefore)
            facts.Add((RecordKind.TopicChanged, null, RecordFacts.ChannelContent(null, c.Topic, withName: false)));
        return facts;
    }
}

public static class ArchiveConversation
{
    public static async Task<Results<Ok<ConversationDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, bool archived, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (Refusal(access) is { } refused)
            return refused;

        var now = clock.GetUtcNow();
        if (archived)
            access!.Conversation.Archive(now);
        else
            access!.Conversation.Unarchive();
        if (await db.SaveWithAuditAsync(me, conversationId, Refusal, archived ? AuditAction.ConversationArchived : AuditAction.ConversationUnarchived,
                null, http, now, ct, (archived ? RecordKind.ConversationArchived : RecordKind.ConversationUnarchived, null, null)) is { } refusedNow)
            return refusedNow;
        await events.ConversationChangedAsync(access.Conversation, ct);
        return TypedResults.Ok(access.Conversation.ToDto(access.Membership));
    }

    private static ProblemHttpResult? Refusal(ConversationAccess? access) =>
        access is null ? Problems.NotFound("conversation")
        : !access.CanManage ? Problems.Forbidden("not-conversation-manager", "Only this channel's owners and moderators, or an admin, can archive it.")
        : null;
}

public static class ConversationAudit
{
    /// <summary>
    /// Saves the pending change to a conversation together with its audit event, in one transaction and in the server's
    /// lock order (docs/architecture.md): the conversation first, then the organization's audit head. Under the
    /// conversation's lock, <paramref name="refusal"/> is asked again with the caller's access as it stands then; when
    /// it refuses, nothing is saved and its problem is returned. The audit event records the conversation's record
    /// position at that moment (<c>position</c>): entries up to it came before the change, later ones after.
    /// </summary>
    public static async Task<ProblemHttpResult?> SaveWithAuditAsync(this ParleyDb db, CurrentUser me, long conversationId,
        Func<ConversationAccess?, ProblemHttpResult?> refusal, AuditAction action, object? data, HttpContext http, DateTimeOffset now,
        CancellationToken ct, params IReadOnlyList<(RecordKind Kind, JsonObject? Data, string? Content)> facts)
    {
        await using var tx = await db.BeginWriteAsync(ct);
        var head = await db.LockAsync(conversationId, ct);
        var access = await db.ConversationAccessUnderLockAsync(me, conversationId, ct);
        if (refusal(access) is { } refused)
            return refused;                          // the transaction rolls back: nothing of it is saved
        // The record says what changed, in the conversation's order; the audit event says who did it from where.
        await db.AppendAllAsync(access!.Conversation, facts.Select(f => (f.Kind, me.Id, f.Data, f.Content)).ToList(), now, ct);
        await db.SaveChangesAsync(ct);               // the conversation's own rows, under its lock
        var recorded = data is null ? new JsonObject() : (JsonObject)JsonSerializer.SerializeToNode(data, JsonSerializerOptions.Web)!;
        recorded["position"] = head.EntryIndex;
        await db.AuditAsync(me, action, "conversation", conversationId.ToString(CultureInfo.InvariantCulture), recorded, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return null;
    }
}
