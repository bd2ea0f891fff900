using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Notifications;
using Parley.Server.Platform;

namespace Parley.Server.Realtime;

/// <summary>
/// The only class that talks to the hub context. Called after commit; recipients are decided now, from the
/// conversation's members, so someone removed a moment ago gets nothing.
/// </summary>
public sealed partial class LiveEvents(
    IHubContext<ParleyHub, IParleyClient> hub, ParleyDb db, AnnouncementOrder order, PushQueue pushes, IOptions<RealtimeOptions> options,
    ILogger<LiveEvents> logger)
{
    public enum MessageChange { Created, Edited, Deleted, Reaction, Pin }

    /// <summary>
    /// Every connection joins its user's group. Sending to groups costs a lookup per recipient; Clients.Users(ids) on
    /// one node tests every open connection against the whole list, which made a message to 200 members with
    /// 5,000 people connected a million comparisons. Both also work through a backplane.
    /// </summary>
    public static string UserGroup(Guid userId) => $"user:{userId}";

    private static List<string> UserGroups(IEnumerable<Guid> userIds) => userIds.Select(UserGroup).ToList();

    /// <summary>
    /// A place in the conversation's line of record events (see <see cref="AnnouncementOrder"/>), to
    /// <see cref="AnnouncementOrder.Turn.Take"/> while the conversation's lock is held. Dispose it (<c>await using</c>).
    /// </summary>
    public AnnouncementOrder.Turn TurnIn(long conversationId) => order.For(conversationId);

    /// <summary>In record order per conversation: waits for the earlier turns of <paramref name="turn"/>'s line.</summary>
    /// <remarks>The recipients are read first; only the push itself waits its turn, so the ordered part holds no database work.</remarks>
    public async Task MessageChangedAsync(AnnouncementOrder.Turn turn, MessageChange change, MessageDto message, CancellationToken ct)
    {
        var clients = hub.Clients.Groups(UserGroups(await db.MemberIdsAsync(message.ConversationId, CancellationToken.None)));
        await turn.PushAsync(() => SafelyAsync(() => change switch
        {
            MessageChange.Created => clients.MessageCreated(message),
            MessageChange.Edited => clients.MessageEdited(message),
            MessageChange.Deleted => clients.MessageDeleted(message),
            MessageChange.Pin => clients.PinChanged(message),
            _ => clients.ReactionChanged(message),
        }));
        if (change == MessageChange.Created)
            pushes.Enqueue(message);       // Web Push to browsers that are closed: queued, sent in the background
    }

    public Task ConversationChangedAsync(Conversation conversation, CancellationToken ct) =>
        ToMembersAsync(conversation.Id, clients => clients.ConversationChanged(conversation.ToDto(null)), ct);

    /// <summary>To the members, and to the person who was added or removed (who may no longer be one).</summary>
    public Task MembershipChangedAsync(MembershipChangedDto change, CancellationToken ct) =>
        ToMembersAsync(change.ConversationId, clients => clients.MembershipChanged(change), ct, alsoTo: change.UserId);

    public Task ReadPositionChangedAsync(Guid userId, ReadPositionDto position, CancellationToken ct) =>
        SafelyAsync(() => hub.Clients.Group(UserGroup(userId)).ReadPositionChanged(position));

    public async Task TypingAsync(Conversation conversation, Guid userId, CancellationToken ct)
    {
        var others = UserGroups((await db.MemberIdsAsync(conversation.Id, ct)).Where(id => id != userId));
        await SafelyAsync(() => hub.Clients.Groups(others).Typing(new TypingDto(conversation.Id, userId)));
    }

    /// <summary>
    /// Presence goes to the people who share a conversation with the user, and to no one else; only conversations up to
    /// <see cref="RealtimeOptions.PresenceMaxMembers"/> carry it live.
    /// </summary>
    public async Task PresenceChangedAsync(CurrentUser user, bool online, CancellationToken ct)
    {
        var peers = await PresencePeersAsync(user.Id, ct);
        await SafelyAsync(() => hub.Clients.Groups(UserGroups(peers)).PresenceChanged(new PresenceDto(user.Id, online)));
    }

    /// <summary>To the same people as presence, and to the user's own connections (their other devices).</summary>
    public async Task ProfileChangedAsync(UserDto user, CancellationToken ct)
    {
        var recipients = await PresencePeersAsync(user.Id, ct);
        recipients.Add(user.Id);
        await SafelyAsync(() => hub.Clients.Groups(UserGroups(recipients)).ProfileChanged(user));
    }

    private Task<List<Guid>> PresencePeersAsync(Guid userId, CancellationToken ct)
    {
        var limit = options.Value.PresenceMaxMembers;
        var mine = db.ConversationMembers.Where(m => m.UserId == userId).Select(m => m.ConversationId)
            .Where(id => db.ConversationMembers.Count(m => m.ConversationId == id) <= limit);
        return db.ConversationMembers
            .Where(m => mine.Contains(m.ConversationId) && m.UserId != userId)
            .Select(m => m.UserId).Distinct().ToListAsync(ct);
    }

    private async Task ToMembersAsync(long conversationId, Func<IParleyClient, Task> send, CancellationToken ct, Guid? alsoTo = null)
    {
        var recipients = await db.MemberIdsAsync(conversationId, ct);
        if (alsoTo is { } extra && !recipients.Contains(extra))
            recipients.Add(extra);
        await SafelyAsync(() => send(hub.Clients.Groups(UserGroups(recipients))));
    }

    // The change is already committed: a failed push must not turn a success into an error. Clients resync over HTTP.
    private async Task SafelyAsync(Func<Task> push)
    {
        try
        {
            await push();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPushFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A realtime push failed; clients will catch up over HTTP")]
    private static partial void LogPushFailed(ILogger logger, Exception e);
}
