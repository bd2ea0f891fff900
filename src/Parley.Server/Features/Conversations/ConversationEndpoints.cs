using Parley.Server.Platform;

namespace Parley.Server.Features.Conversations;

public static class ConversationEndpoints
{
    public static void MapConversationEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/conversations").WithTags("Conversations");
        group.MapGet("/", ListConversations.HandleAsync)
            .WithSummary("List your conversations")
            .WithDescription("The conversations you are a member of, with unread and mention counts. A new member has none: " +
                "public channels to join are in `GET /conversations/browse`.");
        group.MapGet("/browse", BrowseChannels.HandleAsync)
            .WithSummary("List the organization's public channels")
            .WithDescription("Joined or not: what a member may browse and join. Guests see none.");
        group.MapPost("/", CreateChannel.HandleAsync)
            .WithSummary("Create a channel")
            .WithProblems(403, 409);
        group.MapPost("/direct", OpenDirectConversation.HandleAsync)
            .WithSummary("Open a direct or group conversation")
            .WithDescription("The same people always get the same conversation: opening it again returns the existing one (200).");
        group.MapGet("/{conversationId:long}", GetConversation.HandleAsync)
            .WithSummary("Get a conversation");
        group.MapPatch("/{conversationId:long}", UpdateConversation.HandleAsync)
            .WithSummary("Rename a channel or change its topic")
            .WithProblems(403, 409);
        group.MapPost("/{conversationId:long}/archive", (long conversationId, CurrentUser me, Data.ParleyDb db, Realtime.LiveEvents events,
            TimeProvider clock, HttpContext http, CancellationToken ct) => ArchiveConversation.HandleAsync(conversationId, true, me, db, events, clock, http, ct))
            .WithSummary("Archive a channel")
            .WithDescription("An archived channel stays readable and takes no new messages.")
            .WithProblems(403);
        group.MapPost("/{conversationId:long}/unarchive", (long conversationId, CurrentUser me, Data.ParleyDb db, Realtime.LiveEvents events,
            TimeProvider clock, HttpContext http, CancellationToken ct) => ArchiveConversation.HandleAsync(conversationId, false, me, db, events, clock, http, ct))
            .WithSummary("Unarchive a channel")
            .WithProblems(403);
        group.MapPost("/{conversationId:long}/join", JoinConversation.HandleAsync)
            .WithSummary("Join a public channel")
            .WithProblems(403);
        group.MapPost("/{conversationId:long}/leave", LeaveConversation.HandleAsync)
            .WithSummary("Leave a conversation")
            .WithProblems(409);
        group.MapPost("/{conversationId:long}/read", MarkRead.HandleAsync)
            .WithSummary("Mark messages as read up to a sequence number")
            .WithProblems(409);
        group.MapGet("/{conversationId:long}/members", ListMembers.HandleAsync)
            .WithSummary("List a conversation's members");
        group.MapPost("/{conversationId:long}/members", AddMember.HandleAsync)
            .WithSummary("Add someone to a channel")
            .WithProblems(403);
        group.MapDelete("/{conversationId:long}/members/{userId:guid}", RemoveMember.HandleAsync)
            .WithSummary("Remove someone from a channel")
            .WithProblems(403);
        group.MapPut("/{conversationId:long}/members/{userId:guid}/role", ChangeMemberRole.HandleAsync)
            .WithSummary("Change a member's role in a channel")
            .WithProblems(403);
    }
}
