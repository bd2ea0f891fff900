using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Profiles;

public static class SetAvatar
{
    /// <summary>
    /// The picture is the request body (PNG, JPEG or WebP, at most <see cref="AvatarImage.MaxBytes"/>); <c>x</c>, <c>y</c>
    /// and <c>size</c> pick the square to keep, in the picture's pixels (the centred square when left out).
    /// </summary>
    public static async Task<Results<Ok<UserDto>, ProblemHttpResult>> HandleAsync(
        int? x, int? y, int? size, CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = AvatarImage.MaxBytes + 1;
        if (http.Request.ContentLength > AvatarImage.MaxBytes)
            return TooLarge();
        using var body = new MemoryStream();
        var buffer = new byte[81920];
        for (int read; (read = await http.Request.Body.ReadAsync(buffer, ct)) > 0;)
        {
            if (body.Length + read > AvatarImage.MaxBytes)
                return TooLarge();
            body.Write(buffer, 0, read);
        }
        if (body.Length == 0)
            return Problems.Of(415, "avatar-not-an-image", "Send the picture as the request body: a PNG, JPEG or WebP image.");
        AvatarImage.Crop? crop = (x, y, size) switch
        {
            (null, null, null) => null,
            ({ } cx, { } cy, { } side) => new AvatarImage.Crop(cx, cy, side),
            _ => throw new DomainException("avatar-crop-invalid", "Give x, y and size together, or none of them.", 400),
        };
        var image = AvatarImage.Square(body.ToArray(), crop);

        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var user = await db.Users.SingleAsync(u => u.Id == me.Id, ct);
        var avatar = await db.Avatars.SingleOrDefaultAsync(a => a.UserId == me.Id, ct);
        if (avatar is null)
            db.Avatars.Add(new Avatar(user, image, now));
        else
            avatar.Replace(image, now);
        user.AvatarChanged(now);
        // The picture's hash, not the picture: enough to show which one was shown beside someone's messages, from a copy.
        await db.AuditAsync(me, AuditAction.UserAvatarChanged, "user", user.Id.ToString(),
            new { sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image)) }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        var dto = user.ToDto(now);
        await events.ProfileChangedAsync(dto, ct);
        return TypedResults.Ok(dto);
    }

    private static ProblemHttpResult TooLarge() =>
        Problems.Of(413, "avatar-too-large", $"Pictures are at most {AvatarImage.MaxBytes / (1024 * 1024)} MB.");
}

public static class RemoveAvatar
{
    public static async Task<NoContent> HandleAsync(CurrentUser me, ParleyDb db, LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var user = await db.Users.SingleAsync(u => u.Id == me.Id, ct);
        if (await db.Avatars.Where(a => a.UserId == me.Id).ExecuteDeleteAsync(ct) > 0)
            await db.AuditAsync(me, AuditAction.UserAvatarChanged, "user", user.Id.ToString(), new { sha256 = (string?)null }, http, now, ct);
        user.AvatarChanged(null);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await events.ProfileChangedAsync(user.ToDto(clock.GetUtcNow()), ct);
        return TypedResults.NoContent();
    }
}

public static class GetAvatar
{
    /// <summary>To the people of the same organization who may see the person (guests: those they share a conversation with).</summary>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> HandleAsync(
        Guid userId, CurrentUser me, ParleyDb db, HttpContext http, CancellationToken ct)
    {
        var visible = db.VisibleUsers(me).Where(u => u.Id == userId).Select(u => u.Id);
        var avatar = await db.Avatars.AsNoTracking().Where(a => visible.Contains(a.UserId))
            .Select(a => new { a.Image, a.UpdatedAt }).SingleOrDefaultAsync(ct);
        if (avatar is null)
            return Problems.NotFound("avatar");
        // The URL carries the version (?v=), so a private cache may keep it; only signed-in callers of the organization get it.
        http.Response.Headers.CacheControl = "private, max-age=31536000, immutable";
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        return TypedResults.File(avatar.Image, "image/webp", lastModified: avatar.UpdatedAt);
    }
}
