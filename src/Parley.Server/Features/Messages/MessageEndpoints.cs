using Parley.Server.Data;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Messages;

public static class MessageEndpoints
{
    public static void MapMessageEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/conversations/{conversationId:long}").WithTags("Messages");
        group.MapGet("/messages", ListMessages.HandleAsync);
        group.MapPost("/messages", SendMessage.HandleAsync).RequireSendLimits();
        group.MapGet("/changes", ListChanges.HandleAsync);
        group.MapPatch("/messages/{messageId:long}", EditMessage.HandleAsync).RequireSendLimits();
        group.MapDelete("/messages/{messageId:long}", DeleteMessage.HandleAsync);
        group.MapGet("/messages/{messageId:long}/replies", ListReplies.HandleAsync);
        group.MapGet("/messages/{messageId:long}/versions", ListMessageVersions.HandleAsync);
        group.MapPut("/messages/{messageId:long}/reactions/{emoji}", (long conversationId, long messageId, string emoji, CurrentUser me,
            ParleyDb db, LiveEvents events, TimeProvider clock, CancellationToken ct) =>
            React.HandleAsync(conversationId, messageId, emoji, true, me, db, events, clock, ct)).RequireSendLimits();
        group.MapDelete("/messages/{messageId:long}/reactions/{emoji}", (long conversationId, long messageId, string emoji, CurrentUser me,
            ParleyDb db, LiveEvents events, TimeProvider clock, CancellationToken ct) =>
            React.HandleAsync(conversationId, messageId, emoji, false, me, db, events, clock, ct));
    }
}
