using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
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
        if (access is null)
            return Problems.NotFound("conversation");
        if (!access.CanManage)
            return Problems.Forbidden("not-conversation-manager", "Only this channel's owners and moderators, or an admin, can change it.");

        var c = access.Conversation;
        var before = new { c.Name, c.Topic };
        if (request.Name is not null)
        {
            c.Rename(request.Name);
            if (await db.NameTakenAsync(c, ct))
                return Problems.Conflict("conversation-name-taken", "A public channel with this name already exists.");
        }
        if (request.Topic is not null)
            c.ChangeTopic(request.Topic);

        await db.SaveWithAuditAsync(me, AuditAction.ConversationChanged, c.Id, new { before, after = new { c.Name, c.Topic } }, http, clock, ct);
        await events.ConversationChangedAsync(c, ct);
        return TypedResults.Ok(c.ToDto(access.Membership));
    }
}

public static class ArchiveConversation
{
    public static async Task<Results<Ok<ConversationDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, bool archived, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");
        if (!access.CanManage)
            return Problems.Forbidden("not-conversation-manager", "Only this channel's owners and moderators, or an admin, can archive it.");

        var now = clock.GetUtcNow();
        if (archived)
            access.Conversation.Archive(now);
        else
            access.Conversation.Unarchive();
        await db.SaveWithAuditAsync(me, archived ? AuditAction.ConversationArchived : AuditAction.ConversationUnarchived,
            conversationId, null, http, clock, ct);
        await events.ConversationChangedAsync(access.Conversation, ct);
        return TypedResults.Ok(access.Conversation.ToDto(access.Membership));
    }
}

public static class ConversationAudit
{
    /// <summary>Saves the pending change together with its audit event about the conversation, in one transaction.</summary>
    public static async Task SaveWithAuditAsync(this ParleyDb db, CurrentUser me, AuditAction action, long conversationId, object? data,
        HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(me, action, "conversation", conversationId.ToString(System.Globalization.CultureInfo.InvariantCulture), data, http, clock.GetUtcNow(), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }
}
