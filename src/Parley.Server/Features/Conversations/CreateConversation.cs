using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using System.Text.Json.Nodes;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Conversations;

public static class CreateChannel
{
    public sealed record Request
    {
        [Required, StringLength(Conversation.MaxNameLength, MinimumLength = 1)] public string Name { get; init; } = "";
        [StringLength(Conversation.MaxTopicLength)] public string? Topic { get; init; }

        /// <summary>public (anyone in the organization may join) or private (invite only).</summary>
        [Required, StringLength(10)] public string Visibility { get; init; } = "public";

        /// <summary>People to add besides the creator, who becomes the channel's owner.</summary>
        [MaxLength(1000)] public List<Guid>? MemberIds { get; init; }
    }

    public static async Task<Results<Created<ConversationDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var kind = request.Visibility.ToLowerInvariant() switch
        {
            "public" => ConversationKind.PublicChannel,
            "private" => ConversationKind.PrivateChannel,
            _ => (ConversationKind)0,
        };
        if (kind == 0)
            return Problems.BadRequest("visibility-invalid", "Visibility must be public or private.");
        if (me.Refuse(Capability.TakePartInConversations, "Compliance officers do not take part in conversations.") is { } cannotConverse)
            return cannotConverse;
        if (me.Refuse(Capability.CreateChannels, "Guests cannot create channels.") is { } cannotCreate)
            return cannotCreate;
        if (!(await db.PoliciesAsync(me.OrganizationId, ct)).ChannelCreation.Allows(me))
            return Problems.Forbidden("channel-creation-restricted", "In this organization, only admins create channels.");

        var now = clock.GetUtcNow();
        var channel = new Conversation(me.OrganizationId, kind, request.Name, request.Topic, me.Id, now);
        if (await db.NameTakenAsync(channel, ct))
            return Problems.Conflict("conversation-name-taken", "A public channel with this name already exists.");

        var others = (request.MemberIds ?? []).Where(id => id != me.Id).Distinct().ToList();
        if (await db.Users.CountAsync(u => others.Contains(u.Id) && u.OrganizationId == me.OrganizationId && u.DeactivatedAt == null, ct) != others.Count)
            return Problems.BadRequest("member-unknown", "Some of these people are not active members of your organization.");

        try
        {
            await using var tx = await db.BeginWriteAsync(ct);
            db.Conversations.Add(channel);
            await db.SaveChangesAsync(ct);
            db.ConversationMembers.Add(new ConversationMember(channel, me.Id, MemberRole.Owner, now));
            foreach (var id in others)
                db.ConversationMembers.Add(new ConversationMember(channel, id, MemberRole.Member, now));
            await db.AppendAllAsync(channel, [
                (RecordKind.ConversationCreated, me.Id, RecordFacts.Created(kind), RecordFacts.ChannelContent(channel.Name, channel.Topic)),
                (RecordKind.MemberAdded, me.Id, RecordFacts.Member(me.Id, MemberRole.Owner), null),
                .. others.Select(id => (RecordKind.MemberAdded, me.Id, (JsonObject?)RecordFacts.Member(id, MemberRole.Member), (string?)null)),
            ], now, ct);
            await db.AuditAsync(me, AuditAction.ConversationCreated, "conversation", channel.Id.ToString(),
                new { kind = ConversationDtos.KindName(kind), members = others.Count + 1 }, http, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two creators raced past the check above; the unique index let exactly one of them commit.
            db.ChangeTracker.Clear();
            if (await db.NameTakenAsync(channel, ct))
                return Problems.Conflict("conversation-name-taken", "A public channel with this name already exists.");
            throw;
        }

        foreach (var id in others)
            await events.MembershipChangedAsync(new MembershipChangedDto(channel.Id, id, "added", "member", me.Id), ct);
        var dto = (await db.MyConversationsAsync(me, channel.Id, ct)).Single();
        return TypedResults.Created($"/api/v1/conversations/{channel.Id}", dto);
    }
}

public static class OpenDirectConversation
{
    public sealed record Request
    {
        /// <summary>The other people: one for a direct message, up to eight for a group.</summary>
        [Required, MinLength(1), MaxLength(Conversation.MaxGroupSize - 1)] public List<Guid> UserIds { get; init; } = [];
    }

    /// <summary>The same people always get the same conversation: opening it again returns the existing one.</summary>
    public static async Task<Results<Created<ConversationDto>, Ok<ConversationDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (me.Refuse(Capability.TakePartInConversations, "Compliance officers do not take part in conversations.") is { } cannotConverse)
            return cannotConverse;
        var ids = request.UserIds.Append(me.Id).Distinct().ToList();
        if (ids.Count < 2)
            return Problems.BadRequest("member-unknown", "Name at least one other person.");
        // Only people the caller may see: a guest writes only to those they already share a conversation with.
        if (await db.VisibleUsers(me).CountAsync(u => ids.Contains(u.Id) && u.DeactivatedAt == null, ct) != ids.Count)
            return Problems.BadRequest("member-unknown", "Some of these people are not active members of your organization.");

        var key = Conversation.DirectKeyOf(ids);
        var existing = await db.Conversations.SingleOrDefaultAsync(c => c.OrganizationId == me.OrganizationId && c.DirectKey == key, ct);
        if (existing is not null)
            return TypedResults.Ok((await db.MyConversationsAsync(me, existing.Id, ct)).Single());
        if (await PolicyRefusalAsync(db, me, ids, ct) is { } restricted)
            return restricted;

        var now = clock.GetUtcNow();
        var conversation = Conversation.Direct(me.OrganizationId, ids, me.Id, now);
        try
        {
            await using var tx = await db.BeginWriteAsync(ct);
            db.Conversations.Add(conversation);
            await db.SaveChangesAsync(ct);
            foreach (var id in ids)
                db.ConversationMembers.Add(new ConversationMember(conversation, id, MemberRole.Member, now));
            await db.AppendAllAsync(conversation, [
                (RecordKind.ConversationCreated, me.Id, RecordFacts.Created(conversation.Kind), null),
                .. ids.Select(id => (RecordKind.MemberAdded, me.Id, (JsonObject?)RecordFacts.Member(id, MemberRole.Member), (string?)null)),
            ], now, ct);
            await db.AuditAsync(me, AuditAction.ConversationCreated, "conversation", conversation.Id.ToString(),
                new { kind = ConversationDtos.KindName(conversation.Kind), members = ids.Count }, http, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Opened twice at once: the unique index kept one conversation, which both callers then share.
            db.ChangeTracker.Clear();
            if (await db.Conversations.SingleOrDefaultAsync(c => c.OrganizationId == me.OrganizationId && c.DirectKey == key, ct) is { } winner)
                return TypedResults.Ok((await db.MyConversationsAsync(me, winner.Id, ct)).Single());
            throw;
        }

        foreach (var id in ids.Where(i => i != me.Id))
            await events.MembershipChangedAsync(new MembershipChangedDto(conversation.Id, id, "added", "member", me.Id), ct);
        return TypedResults.Created($"/api/v1/conversations/{conversation.Id}", (await db.MyConversationsAsync(me, conversation.Id, ct)).Single());
    }

    /// <summary>The organization's policies on starting groups and conversations with guests; null when they allow it.</summary>
    private static async Task<ProblemHttpResult?> PolicyRefusalAsync(ParleyDb db, CurrentUser me, List<Guid> ids, CancellationToken ct)
    {
        var policies = await db.PoliciesAsync(me.OrganizationId, ct);
        if (ids.Count > 2 && !policies.GroupCreation.Allows(me))
            return Problems.Forbidden("group-creation-restricted", "In this organization, only admins start group conversations.");
        var notGuests = BuiltInRoles.RolesWith(Capability.SeeEveryone);
        if (!policies.MembersMayMessageGuests && me.Can(Capability.SeeEveryone) && !me.Can(Capability.ManageOrganization)
            && await db.Users.AnyAsync(u => ids.Contains(u.Id) && u.Id != me.Id && u.OrganizationId == me.OrganizationId
                && !notGuests.Contains(u.Role), ct))
            return Problems.Forbidden("guest-conversations-restricted", "In this organization, only admins start conversations with guests.");
        return null;
    }
}
