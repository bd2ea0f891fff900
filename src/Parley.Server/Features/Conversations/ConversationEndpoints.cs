namespace Parley.Server.Features.Conversations;

public static class ConversationEndpoints
{
    public static void MapConversationEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/conversations").WithTags("Conversations");
        group.MapGet("/", ListConversations.HandleAsync);
        group.MapGet("/browse", BrowseChannels.HandleAsync);
        group.MapPost("/", CreateChannel.HandleAsync);
        group.MapPost("/direct", OpenDirectConversation.HandleAsync);
        group.MapGet("/{conversationId:long}", GetConversation.HandleAsync);
        group.MapPatch("/{conversationId:long}", UpdateConversation.HandleAsync);
        group.MapPost("/{conversationId:long}/archive", (long conversationId, Platform.CurrentUser me, Data.ParleyDb db, Realtime.LiveEvents events,
            TimeProvider clock, HttpContext http, CancellationToken ct) => ArchiveConversation.HandleAsync(conversationId, true, me, db, events, clock, http, ct));
        group.MapPost("/{conversationId:long}/unarchive", (long conversationId, Platform.CurrentUser me, Data.ParleyDb db, Realtime.LiveEvents events,
            TimeProvider clock, HttpContext http, CancellationToken ct) => ArchiveConversation.HandleAsync(conversationId, false, me, db, events, clock, http, ct));
        group.MapPost("/{conversationId:long}/join", JoinConversation.HandleAsync);
        group.MapPost("/{conversationId:long}/leave", LeaveConversation.HandleAsync);
        group.MapPost("/{conversationId:long}/read", MarkRead.HandleAsync);
        group.MapGet("/{conversationId:long}/members", ListMembers.HandleAsync);
        group.MapPost("/{conversationId:long}/members", AddMember.HandleAsync);
        group.MapDelete("/{conversationId:long}/members/{userId:guid}", RemoveMember.HandleAsync);
        group.MapPut("/{conversationId:long}/members/{userId:guid}/role", ChangeMemberRole.HandleAsync);
    }
}
