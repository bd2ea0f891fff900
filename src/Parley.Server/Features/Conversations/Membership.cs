using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Conversations;

public static class JoinConversation
{
    public static async Task<Results<Ok<ConversationDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (Refusal(access) is { } refused)
            return refused;
        if (!access!.IsMember)
        {
            var now = clock.GetUtcNow();                 // the row and its entry say the same time
            db.ConversationMembers.Add(new ConversationMember(access.Conversation, me.Id, MemberRole.Member, now));
            try
            {
                if (await db.SaveWithAuditAsync(me, conversationId, Refusal, AuditAction.MemberAdded, new { user = me.Id, joined = true },
                        http, now, ct, (RecordKind.MemberJoined, RecordFacts.Member(me.Id, MemberRole.Member), null)) is { } refusedNow)
                    return refusedNow;
            }
            catch (DbUpdateException)
            {
                // Joined twice at once: the other request added the membership, and announced it.
                db.ChangeTracker.Clear();
                if (await db.ConversationMembers.AnyAsync(m => m.ConversationId == conversationId && m.UserId == me.Id, ct))
                    return TypedResults.Ok((await db.MyConversationsAsync(me, conversationId, ct)).Single());
                throw;
            }
            await events.MembershipChangedAsync(new MembershipChangedDto(conversationId, me.Id, "added", "member", me.Id), ct);
        }
        return TypedResults.Ok((await db.MyConversationsAsync(me, conversationId, ct)).Single());
    }

    // A member already is one (joining twice is fine); under the lock that means another request just joined.
    private static ProblemHttpResult? Refusal(ConversationAccess? access) =>
        access is null ? Problems.NotFound("conversation")
        : !access.IsMember && !access.CanJoin ? Problems.Forbidden("cannot-join", "This channel cannot be joined. It may be archived.")
        : null;
}

public static class LeaveConversation
{
    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(
        long conversationId, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (Refusal(access) is { } refused)
            return refused;

        db.ConversationMembers.Remove(access!.Membership!);
        if (await db.SaveWithAuditAsync(me, conversationId, Refusal, AuditAction.MemberRemoved, new { user = me.Id, left = true },
                http, clock.GetUtcNow(), ct, (RecordKind.MemberLeft, RecordFacts.Member(me.Id, access.Membership!.Role), null)) is { } refusedNow)
            return refusedNow;
        await events.MembershipChangedAsync(new MembershipChangedDto(conversationId, me.Id, "removed", null, me.Id), ct);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult? Refusal(ConversationAccess? access) =>
        access is null ? Problems.NotFound("conversation")
        : !access.IsMember ? Problems.Conflict("not-a-member", "You are not a member of this conversation.")
        : access.Conversation.Kind == ConversationKind.Direct
            ? Problems.Unprocessable("cannot-leave-direct", "A direct conversation cannot be left; mute or hide it instead.")
        : null;
}

public static class AddMember
{
    public sealed record Request
    {
        [Required] public Guid UserId { get; init; }

        /// <summary>member (default), moderator or owner.</summary>
        [StringLength(10)] public string? Role { get; init; }
    }

    public static async Task<Results<Ok<MemberDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, Request request, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        if (!MemberRoles.TryParse(request.Role ?? "member", out var role))
            return Problems.BadRequest("role-invalid", "Role must be member, moderator or owner.");
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (Refusal(access) is { } refused)
            return refused;

        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == request.UserId && u.OrganizationId == me.OrganizationId && u.DeactivatedAt == null, ct);
        if (user is null)
            return Problems.NotFound("user");
        var existing = await db.ConversationMembers.SingleOrDefaultAsync(m => m.ConversationId == conversationId && m.UserId == user.Id, ct);
        if (existing is not null)
            return TypedResults.Ok(new MemberDto(user.Id, user.DisplayName, user.Handle, ConversationDtos.RoleName(existing.Role), existing.JoinedAt));

        var now = clock.GetUtcNow();
        var member = new ConversationMember(access!.Conversation, user.Id, role, now);
        db.ConversationMembers.Add(member);
        if (await db.SaveWithAuditAsync(me, conversationId, Refusal, AuditAction.MemberAdded, new { user = user.Id, role = ConversationDtos.RoleName(role) },
                http, now, ct, (RecordKind.MemberAdded, RecordFacts.Member(user.Id, role), null)) is { } refusedNow)
            return refusedNow;
        await events.MembershipChangedAsync(new MembershipChangedDto(conversationId, user.Id, "added", ConversationDtos.RoleName(role), me.Id), ct);
        return TypedResults.Ok(new MemberDto(user.Id, user.DisplayName, user.Handle, ConversationDtos.RoleName(role), member.JoinedAt));

        ProblemHttpResult? Refusal(ConversationAccess? access)
        {
            if (access is null)
                return Problems.NotFound("conversation");
            if (!access.CanManage)
                return Problems.Forbidden("not-conversation-manager", "Only this channel's owners and moderators, or an admin, can add people.");
            access.Conversation.EnsureWritable();
            return role == MemberRole.Owner && !MemberRoles.MayGrantOwner(access)
                ? Problems.Forbidden("owner-only", "Only a channel owner or an admin can add an owner.")
                : null;
        }
    }
}

public static class RemoveMember
{
    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(
        long conversationId, Guid userId, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (Refusal(access) is { } refused)
            return refused;
        var member = await db.ConversationMembers.SingleOrDefaultAsync(m => m.ConversationId == conversationId && m.UserId == userId, ct);
        if (member is null)
            return Problems.NotFound("member");
        if (member.Role == MemberRole.Owner && !MemberRoles.MayGrantOwner(access!))
            return Problems.Forbidden("owner-only", "Only a channel owner or an admin can remove an owner.");

        db.ConversationMembers.Remove(member);
        if (await db.SaveWithAuditAsync(me, conversationId, a => Refusal(a) ?? (member.Role == MemberRole.Owner && !MemberRoles.MayGrantOwner(a!)
                    ? Problems.Forbidden("owner-only", "Only a channel owner or an admin can remove an owner.") : null),
                AuditAction.MemberRemoved, new { user = userId }, http, clock.GetUtcNow(), ct,
                (RecordKind.MemberRemoved, RecordFacts.Member(userId, member.Role), null)) is { } refusedNow)
            return refusedNow;
        await events.MembershipChangedAsync(new MembershipChangedDto(conversationId, userId, "removed", null, me.Id), ct);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult? Refusal(ConversationAccess? access) =>
        access is null ? Problems.NotFound("conversation")
        : !access.CanManage ? Problems.Forbidden("not-conversation-manager", "Only this channel's owners and moderators, or an admin, can remove people.")
        : null;
}

public static class ChangeMemberRole
{
    public sealed record Request
    {
        [Required, StringLength(10)] public string Role { get; init; } = "";
    }

    public static async Task<Results<Ok<MemberDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, Guid userId, Request request, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        if (!MemberRoles.TryParse(request.Role, out var role))
            return Problems.BadRequest("role-invalid", "Role must be member, moderator or owner.");
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");
        var row = await db.ConversationMembers.Where(m => m.ConversationId == conversationId && m.UserId == userId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m, u.DisplayName, u.Handle }).SingleOrDefaultAsync(ct);
        if (Refusal(access) is { } refused)
            return refused;
        if (row is null)
            return Problems.NotFound("member");

        var before = row.m.Role;
        row.m.ChangeRole(role);
        if (await db.SaveWithAuditAsync(me, conversationId, Refusal, AuditAction.MemberRoleChanged,
                new { user = userId, before = ConversationDtos.RoleName(before), after = ConversationDtos.RoleName(role) }, http, clock.GetUtcNow(), ct,
                (RecordKind.MemberRoleChanged, RecordFacts.Member(userId, role, before), null)) is { } refusedNow)
            return refusedNow;
        await events.MembershipChangedAsync(new MembershipChangedDto(conversationId, userId, "role", ConversationDtos.RoleName(role), me.Id), ct);
        return TypedResults.Ok(new MemberDto(userId, row.DisplayName, row.Handle, ConversationDtos.RoleName(role), row.m.JoinedAt));

        ProblemHttpResult? Refusal(ConversationAccess? access) =>
            access is null ? Problems.NotFound("conversation")
            : !access.CanManage ? Problems.Forbidden("not-conversation-manager", "Only this channel's owners and moderators, or an admin, can change roles.")
            : row is not null && (role == MemberRole.Owner || row.m.Role == MemberRole.Owner) && !MemberRoles.MayGrantOwner(access)
                ? Problems.Forbidden("owner-only", "Only a channel owner or an admin can make or unmake an owner.")
            : null;
    }
}

public static class MarkRead
{
    public sealed record Request
    {
        /// <summary>Seq of the last message read. Moving backwards is ignored.</summary>
        [Range(0, long.MaxValue)] public long Seq { get; init; }
    }

    public static async Task<Results<Ok<ReadPositionDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, Request request, CurrentUser me, ParleyDb db, LiveEvents events, CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");
        if (!access.IsMember)
            return Problems.Conflict("not-a-member", "Join the conversation to keep a read position in it.");

        // Two tabs, or two marks of one tab, may race: the position moves only forward in the database itself, so a
        // lower mark that commits last cannot take it back.
        var seq = Math.Min(request.Seq, access.Conversation.LastMessageSeq);
        if (seq <= access.Membership!.LastReadSeq)
            return TypedResults.Ok(new ReadPositionDto(conversationId, access.Membership.LastReadSeq));
        await using var tx = await db.BeginWriteAsync(ct);
        var moved = await db.ConversationMembers
            .Where(m => m.ConversationId == conversationId && m.UserId == me.Id && m.LastReadSeq < seq)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LastReadSeq, seq), ct);
        var position = moved > 0 ? seq : await db.ConversationMembers
            .Where(m => m.ConversationId == conversationId && m.UserId == me.Id).Select(m => m.LastReadSeq).SingleAsync(ct);
        await tx.CommitAsync(ct);
        if (moved > 0)
            await events.ReadPositionChangedAsync(me.Id, new ReadPositionDto(conversationId, seq), ct);
        return TypedResults.Ok(new ReadPositionDto(conversationId, position));
    }
}

internal static class MemberRoles
{
    public static bool TryParse(string role, out MemberRole parsed) =>
        Enum.TryParse(role, ignoreCase: true, out parsed) && Enum.IsDefined(parsed) && !int.TryParse(role, out _);

    public static bool MayGrantOwner(ConversationAccess access) =>
        access.Me.Can(Capability.ManageAnyConversation) || access.Membership?.Role == MemberRole.Owner;
}
