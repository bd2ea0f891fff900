using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Conversations;

/// <summary>What the current user may do in one conversation. The only place these rules live.</summary>
public sealed record ConversationAccess(Conversation Conversation, ConversationMember? Membership, CurrentUser Me)
{
    public bool IsMember => Membership is not null;

    /// <summary>
    /// The one place conversation access is decided: members read; so does anyone who may browse public channels (not guests) of the organization in a public channel. A compliance officer reads no
    /// conversation here, even one they were a member of: they read the record, through the compliance API.
    /// </summary>
    public bool CanRead => Me.Can(Capability.TakePartInConversations)
        && (IsMember || (Conversation.Kind == ConversationKind.PublicChannel && Me.Can(Capability.BrowsePublicChannels)));

    public bool CanPost => IsMember && !Conversation.IsArchived;

    /// <summary>Delete others' messages: the conversation's moderators and owners, and whoever may manage any conversation.</summary>
    public bool CanModerate => (IsMember && Membership!.Role >= MemberRole.Moderator) || Me.Can(Capability.ManageAnyConversation);

    /// <summary>Rename, set the topic, archive, add and remove people, change their roles.</summary>
    public bool CanManage => Conversation.IsChannel && CanModerate;

    public bool CanJoin => !IsMember && Conversation.Kind == ConversationKind.PublicChannel && Me.Can(Capability.BrowsePublicChannels)
        && Me.Can(Capability.TakePartInConversations)
        && !Conversation.IsArchived;
}

public static class ConversationAccessQueries
{
    /// <summary>Null when the conversation doesn't exist or the user may not see it; callers answer 404 either way.</summary>
    public static Task<ConversationAccess?> ConversationAccessAsync(this ParleyDb db, CurrentUser me, long conversationId, CancellationToken ct) =>
        AccessAsync(db, me, conversationId, tracked: true, ct);

    /// <summary>
    /// Access as it stands now, for a recheck inside a write transaction once the conversation is locked
    /// (<see cref="ConversationChain.AdvanceAsync"/> or <see cref="ConversationChain.LockAsync"/>): a member removed or a
    /// channel archived meanwhile is seen here. Read past the tracked entities, which keep what was read before the lock.
    /// </summary>
    public static Task<ConversationAccess?> ConversationAccessUnderLockAsync(this ParleyDb db, CurrentUser me, long conversationId,
        CancellationToken ct) =>
        AccessAsync(db, me, conversationId, tracked: false, ct);

    private static async Task<ConversationAccess?> AccessAsync(ParleyDb db, CurrentUser me, long conversationId, bool tracked, CancellationToken ct)
    {
        var conversations = tracked ? db.Conversations : db.Conversations.AsNoTracking();
        var members = tracked ? db.ConversationMembers : db.ConversationMembers.AsNoTracking();
        // A plain LEFT JOIN on the membership's key: a SingleOrDefault subquery here became a window function over all
        // of the user's memberships, on the path of every send.
        var row = await (
                from c in conversations
                where c.Id == conversationId && c.OrganizationId == me.OrganizationId
                join m in members on new { ConversationId = c.Id, UserId = me.Id } equals new { m.ConversationId, m.UserId } into mine
                from m in mine.DefaultIfEmpty()
                select new { Conversation = c, Membership = m })
            .SingleOrDefaultAsync(ct);
        if (row is null)
            return null;

        var access = new ConversationAccess(row.Conversation, row.Membership, me);
        return access.CanRead ? access : null;
    }

    public static Task<List<Guid>> MemberIdsAsync(this ParleyDb db, long conversationId, CancellationToken ct) =>
        db.ConversationMembers.Where(m => m.ConversationId == conversationId).Select(m => m.UserId).ToListAsync(ct);
}
