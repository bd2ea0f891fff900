using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Platform;

namespace Parley.Server.Features.Conversations;

public static class ConversationQueries
{
    /// <summary>
    /// Whether <paramref name="channel"/>'s name is taken. Public channels' names are unique in the organization, ignoring
    /// case; a private channel's name is never taken. Checking private names against anything would let whoever gets the
    /// refusal learn that a channel they cannot see exists. The unique index on public names backs this against races.
    /// </summary>
    public static Task<bool> NameTakenAsync(this ParleyDb db, Conversation channel, CancellationToken ct) =>
        channel.Kind != ConversationKind.PublicChannel
            ? Task.FromResult(false)
            : db.Conversations.AnyAsync(c => c.OrganizationId == channel.OrganizationId && c.Kind == ConversationKind.PublicChannel
                                             && c.NormalizedName == channel.NormalizedName && c.Id != channel.Id, ct);

    /// <summary>
    /// The caller's conversations with unread and mention counts, computed at read time so that sending to a large
    /// channel does no per-member work.
    /// </summary>
    public static async Task<List<ConversationDto>> MyConversationsAsync(this ParleyDb db, CurrentUser me, long? onlyId, CancellationToken ct)
    {
        var memberships = db.ConversationMembers.Where(m => m.UserId == me.Id && m.OrganizationId == me.OrganizationId);
        if (onlyId is { } id)
            memberships = memberships.Where(m => m.ConversationId == id);
        var rows = await memberships
            .Select(m => new
            {
                Member = m,
                m.Conversation,
                // The newest message by the unique (conversation, seq) index: one row, not a scan of the history.
                LastMessageAt = db.Messages.Where(x => x.ConversationId == m.ConversationId && x.Seq == m.Conversation!.LastMessageSeq)
                    .Select(x => (DateTimeOffset?)x.CreatedAt).FirstOrDefault(),
                Unread = db.Messages.Count(x => x.ConversationId == m.ConversationId && x.Seq > m.LastReadSeq && x.SenderId != me.Id && x.DeletedAt == null),
                // A message counts once, whether it names the user, the channel or both; the user's own messages never count.
                Mentions = db.Mentions.Count(x => x.UserId == me.Id && x.ConversationId == m.ConversationId && x.Seq > m.LastReadSeq && x.Message!.SenderId != me.Id)
                    + db.Messages.Count(x => x.ConversationId == m.ConversationId && x.Seq > m.LastReadSeq && x.MentionsChannel && x.SenderId != me.Id && x.DeletedAt == null
                        && !db.Mentions.Any(y => y.MessageId == x.Id && y.UserId == me.Id)),
            })
            .ToListAsync(ct);

        var directIds = rows.Where(r => !r.Conversation!.IsChannel).Select(r => r.Conversation!.Id).ToList();
        var directMembers = directIds.Count == 0
            ? new Dictionary<long, List<Guid>>()
            : (await db.ConversationMembers.Where(m => directIds.Contains(m.ConversationId)).Select(m => new { m.ConversationId, m.UserId }).ToListAsync(ct))
                .GroupBy(m => m.ConversationId).ToDictionary(g => g.Key, g => g.Select(m => m.UserId).ToList());

        // Most recent activity first: the last message's time, or the creation's for a conversation without one.
        return rows
            .OrderByDescending(r => r.LastMessageAt ?? r.Conversation!.CreatedAt)
            .ThenByDescending(r => r.Conversation!.Id)
            .Select(r => r.Conversation!.ToDto(r.Member, r.Unread, r.Mentions, directMembers.GetValueOrDefault(r.Conversation!.Id)))
            .ToList();
    }
}
