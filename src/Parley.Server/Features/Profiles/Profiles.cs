using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Profiles;

public static class GetProfile
{
    public static async Task<Ok<UserDto>> HandleAsync(CurrentUser me, ParleyDb db, TimeProvider clock, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().SingleAsync(u => u.Id == me.Id, ct);
        return TypedResults.Ok(user.ToDto(clock.GetUtcNow()));
    }
}

public static class EditProfile
{
    /// <summary>Only the fields sent change; an empty string clears a title, pronouns or time zone.</summary>
    public sealed record Request
    {
        [StringLength(User.MaxNameLength, MinimumLength = 1)] public string? DisplayName { get; init; }
        [StringLength(User.MaxTitleLength)] public string? Title { get; init; }
        [StringLength(User.MaxPronounsLength)] public string? Pronouns { get; init; }
        [StringLength(User.MaxTimeZoneLength)] public string? TimeZone { get; init; }
    }

    /// <summary>
    /// A change of name or of title is audited: who someone said they were is what a reader of their messages relied on
    /// (the audit chain commits to the values with a salt, so they can be erased). Pronouns and time zone are not.
    /// </summary>
    public static async Task<Ok<UserDto>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var user = await db.Users.SingleAsync(u => u.Id == me.Id, ct);
        var (before, titleBefore) = (user.DisplayName, user.Title);
        if (request.DisplayName is not null)
            user.Rename(request.DisplayName);
        if (request.Title is not null)
            user.ChangeTitle(request.Title);
        if (request.Pronouns is not null)
            user.ChangePronouns(request.Pronouns);
        if (request.TimeZone is not null)
            user.ChangeTimeZone(request.TimeZone);

        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        if (user.DisplayName != before)
            await db.AuditAsync(me, AuditAction.UserRenamed, "user", user.Id.ToString(), new { before, after = user.DisplayName }, http, now, ct);
        if (user.Title != titleBefore)
            await db.AuditAsync(me, AuditAction.UserTitleChanged, "user", user.Id.ToString(), new { before = titleBefore, after = user.Title }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        var dto = user.ToDto(now);
        await events.ProfileChangedAsync(dto, ct);
        return TypedResults.Ok(dto);
    }
}

public static class SetStatus
{
    public sealed record Request
    {
        [StringLength(User.MaxStatusLength)] public string? Text { get; init; }
        [StringLength(User.MaxStatusEmojiLength)] public string? Emoji { get; init; }

        /// <summary>When the status clears by itself; null keeps it until it is cleared.</summary>
        public DateTimeOffset? ExpiresAt { get; init; }
    }

    public static async Task<Ok<UserDto>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var user = await db.Users.SingleAsync(u => u.Id == me.Id, ct);
        user.SetStatus(request.Text, request.Emoji, request.ExpiresAt, now);
        await db.SaveChangesAsync(ct);
        var dto = user.ToDto(now);
        await events.ProfileChangedAsync(dto, ct);
        return TypedResults.Ok(dto);
    }
}

public static class ClearStatus
{
    public static async Task<NoContent> HandleAsync(CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, CancellationToken ct)
    {
        var user = await db.Users.SingleAsync(u => u.Id == me.Id, ct);
        user.ClearStatus();
        await db.SaveChangesAsync(ct);
        await events.ProfileChangedAsync(user.ToDto(clock.GetUtcNow()), ct);
        return TypedResults.NoContent();
    }
}
