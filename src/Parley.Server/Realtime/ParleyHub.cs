using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Parley.Server.Data;
using Parley.Server.Features.Conversations;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Realtime;

/// <summary>Push and ephemeral signals only. Everything durable goes through the HTTP API.</summary>
[Authorize]
public sealed class ParleyHub(ParleyDb db, ConnectionRegistry connections, LiveEvents events) : Hub<IParleyClient>
{
    public override async Task OnConnectedAsync()
    {
        var me = CurrentUser.From(Context.User!);
        // A compliance officer hears nothing of conversations, even those they were a member of before the role.
        if (me.Can(Capability.TakePartInConversations))
            await Groups.AddToGroupAsync(Context.ConnectionId, LiveEvents.UserGroup(me.Id), Context.ConnectionAborted);
        if (connections.Add(me.Id, me.SessionId, Context))
            await events.PresenceChangedAsync(me, online: true, Context.ConnectionAborted);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        var me = CurrentUser.From(Context.User!);
        if (connections.Remove(Context.ConnectionId))
            await events.PresenceChangedAsync(me, online: false, CancellationToken.None);
    }

    /// <summary>Tells the other members that the caller is typing in a conversation.</summary>
    public async Task StartTyping(long conversationId)
    {
        var me = CurrentUser.From(Context.User!);
        var access = await db.ConversationAccessAsync(me, conversationId, Context.ConnectionAborted);
        if (access is not { CanPost: true })
            throw new HubException("Conversation not found.");
        await events.TypingAsync(access.Conversation, me.Id, Context.ConnectionAborted);
    }
}
