using Parley.Server.Data;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Messages;

public static class MessageEndpoints
{
    public static void MapMessageEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/conversations/{conversationId:long}").WithTags("Messages");
        group.MapGet("/messages", ListMessages.HandleAsync)
            .WithSummary("Read a page of messages")
            .WithDescription("The newest page, or the page before or after a sequence number (`before`, `after`).");
        group.MapPost("/messages", SendMessage.HandleAsync).RequireSendLimits()
            .WithSummary("Send a message")
            .WithDescription("Markdown, rendered to sanitized HTML. With a `clientMessageId`, a retry returns the message already " +
                "sent (200) instead of sending it twice (201).")
            .WithProblems(403, 409);
        group.MapGet("/changes", ListChanges.HandleAsync)
            .WithSummary("Catch up on changes after a record position")
            .WithDescription("Every message created, edited, deleted or reacted to since `after`, once each: what a client re-reads " +
                "after a reconnect.");
        group.MapPatch("/messages/{messageId:long}", EditMessage.HandleAsync).RequireSendLimits()
            .WithSummary("Edit a message")
            .WithDescription("Your own messages only. The record keeps every version.")
            .WithProblems(403);
        group.MapDelete("/messages/{messageId:long}", DeleteMessage.HandleAsync)
            .WithSummary("Delete a message")
            .WithDescription("Your own, or anyone's as a moderator. Others then see a tombstone; the record keeps what was said.")
            .WithProblems(403);
        group.MapGet("/messages/{messageId:long}/replies", ListReplies.HandleAsync)
            .WithSummary("Read a thread's replies");
        group.MapGet("/messages/{messageId:long}/versions", ListMessageVersions.HandleAsync)
            .WithSummary("List a message's versions")
            .WithDescription("Every version the record holds, with its commitment.")
            .WithProblems(403);
        group.MapPut("/messages/{messageId:long}/reactions/{emoji}", (long conversationId, long messageId, string emoji, CurrentUser me,
            ParleyDb db, LiveEvents events, TimeProvider clock, CancellationToken ct) =>
            React.HandleAsync(conversationId, messageId, emoji, true, me, db, events, clock, ct)).RequireSendLimits()
            .WithSummary("Add a reaction")
            .WithProblems(403);
        group.MapDelete("/messages/{messageId:long}/reactions/{emoji}", (long conversationId, long messageId, string emoji, CurrentUser me,
            ParleyDb db, LiveEvents events, TimeProvider clock, CancellationToken ct) =>
            React.HandleAsync(conversationId, messageId, emoji, false, me, db, events, clock, ct))
            .WithSummary("Remove a reaction")
            .WithProblems(403);
        group.MapGet("/pins", ListPins.HandleAsync)
            .WithSummary("List pinned messages")
            .WithDescription("The conversation's pinned messages, the most recently pinned first (at most 100).");
        group.MapPut("/messages/{messageId:long}/pin", (long conversationId, long messageId, CurrentUser me, ParleyDb db, LiveEvents events,
            TimeProvider clock, CancellationToken ct) =>
            PinMessage.HandleAsync(conversationId, messageId, true, me, db, events, clock, ct)).RequireSendLimits()
            .WithSummary("Pin a message")
            .WithDescription("Members who may post pin; pinning a pinned message changes nothing. At most 100 pins per conversation.")
            .WithProblems(403, 409, 422);
        group.MapDelete("/messages/{messageId:long}/pin", (long conversationId, long messageId, CurrentUser me, ParleyDb db, LiveEvents events,
            TimeProvider clock, CancellationToken ct) =>
            PinMessage.HandleAsync(conversationId, messageId, false, me, db, events, clock, ct))
            .WithSummary("Unpin a message")
            .WithDescription("The person who pinned it, its sender, or a moderator.")
            .WithProblems(403, 422);
    }
}
