using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Conversations;
using Parley.Server.Platform;

namespace Parley.Server.Features.Notifications;

/// <summary>A member's notification choice for one conversation: <c>all</c>, <c>mentions</c> or <c>muted</c>.</summary>
public sealed record NotificationPreferenceDto(long ConversationId, string Level);

public static class NotificationLevels
{
    public static string Name(NotificationLevel level) => level switch
    {
        NotificationLevel.Mentions => "mentions",
        NotificationLevel.Muted => "muted",
        _ => "all",
    };

    public static NotificationLevel? Parse(string? name) => name switch
    {
        "all" => NotificationLevel.All,
        "mentions" => NotificationLevel.Mentions,
        "muted" => NotificationLevel.Muted,
        _ => null,
    };
}

public static class GetNotificationPreference
{
    public static async Task<Results<Ok<NotificationPreferenceDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");
        if (!access.IsMember)
            return Problems.Forbidden("not-a-member", "Join this conversation to choose its notifications.");
        return TypedResults.Ok(new NotificationPreferenceDto(conversationId, NotificationLevels.Name(access.Membership!.Notifications)));
    }
}

public static class SetNotificationPreference
{
    public sealed record Request(string? Level);

    public static async Task<Results<Ok<NotificationPreferenceDto>, ProblemHttpResult>> HandleAsync(
        long conversationId, Request request, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (NotificationLevels.Parse(request.Level) is not { } level)
            return Problems.BadRequest("notification-level-invalid", "The level is all, mentions or muted.");
        var access = await db.ConversationAccessAsync(me, conversationId, ct);
        if (access is null)
            return Problems.NotFound("conversation");
        if (!access.IsMember)
            return Problems.Forbidden("not-a-member", "Join this conversation to choose its notifications.");
        // One column of the caller's own membership row, written where it stands: a concurrent removal leaves nothing to write.
        await using var tx = await db.BeginWriteAsync(ct);
        await db.ConversationMembers.Where(m => m.ConversationId == conversationId && m.UserId == me.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Notifications, level), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new NotificationPreferenceDto(conversationId, NotificationLevels.Name(level)));
    }
}
