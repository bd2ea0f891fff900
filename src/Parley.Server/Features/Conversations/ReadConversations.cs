using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Conversations;

public static class ListConversations
{
    /// <summary>The caller's conversations, most recently active first: by their last message, or their creation when they have none.</summary>
    public static async Task<Ok<List<ConversationDto>>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct) =>
        TypedResults.Ok(!me.Can(Capability.TakePartInConversations) ? [] : await db.MyConversationsAsync(me, null, ct));
}

public static class BrowseChannels
{
    /// <summary>Public channels of the organization, joined or not. Guests see none.</summary>
    public static async Task<Ok<List<ConversationDto>>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.BrowsePublicChannels) || !me.Can(Capability.TakePartInConversations))
            return TypedResults.Ok(new List<ConversationDto>());
        var rows = await db.Conversations
            .Where(c => c.OrganizationId == me.OrganizationId && c.Kind == ConversationKind.PublicChannel)
            .OrderBy(c => c.NormalizedName)
            .Select(c => new { Conversation = c, Me = db.ConversationMembers.SingleOrDefault(m => m.ConversationId == c.Id && m.UserId == me.Id) })
            .ToListAsync(ct);
        return TypedResults.Ok(rows.Select(r => r.Conversation.ToDto(r.Me)).ToList());
    }
}

public static class GetConversation
{
    public static async Task<Results<Ok<ConversationDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");
        return TypedResults.Ok(access.IsMember
            ? (await db.MyConversationsAsync(me, conversationId, ct)).Single()
            : access.Conversation.ToDto(null));
    }
}

public static class ListMembers
{
    public static async Task<Results<Ok<List<MemberDto>>, ProblemHttpResult>> HandleAsync(
        long conversationId, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");
        var members = await db.ConversationMembers.Where(m => m.ConversationId == conversationId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m, u })
            .OrderBy(x => x.u.DisplayName)
            .Select(x => new { x.u.Id, x.u.DisplayName, x.u.Handle, x.m.Role, x.m.JoinedAt })
            .ToListAsync(ct);
        return TypedResults.Ok(members.Select(x => new MemberDto(x.Id, x.DisplayName, x.Handle, ConversationDtos.RoleName(x.Role), x.JoinedAt)).ToList());
    }
}
