using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Platform;

namespace Parley.Server.Features.Notifications;

/// <summary>The deployment's VAPID public key, for <c>PushManager.subscribe({ applicationServerKey })</c>.</summary>
public sealed record PushKeyDto(string PublicKey);

/// <summary>The caller's session's push subscription.</summary>
public sealed record PushSubscriptionDto(string Endpoint, DateTimeOffset CreatedAt);

public static class GetPushKey
{
    public static async Task<Ok<PushKeyDto>> HandleAsync(PushKeys keys, CancellationToken ct) =>
        TypedResults.Ok(new PushKeyDto(await keys.PublicKeyAsync(ct)));
}

public static class SubscribePush
{
    /// <summary>What <c>PushSubscription.toJSON()</c> gives in the browser.</summary>
    public sealed record Request(string? Endpoint, Keys? Keys);

    public sealed record Keys(string? P256dh, string? Auth);

    /// <summary>
    /// Binds the browser's subscription to the caller's session, replacing the one it had. The same endpoint registered by
    /// an earlier session (someone else who signed in on this browser before) is let go: one browser, one recipient.
    /// </summary>
    public static async Task<Results<Created<PushSubscriptionDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, IOptions<NotificationOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var (endpoint, refusal) = PushSubscriptionChecks.Endpoint(request.Endpoint, options.Value.AllowInsecureEndpoints);
        if (endpoint is null)
            return Problems.BadRequest("push-endpoint-invalid", refusal!);
        if (!PushSubscriptionChecks.KeysValid(request.Keys?.P256dh, request.Keys?.Auth))
            return Problems.BadRequest("push-keys-invalid",
                "keys.p256dh is an uncompressed P-256 public key and keys.auth 16 bytes, both base64url, as the browser gives them.");

        var now = clock.GetUtcNow();
        var url = endpoint.AbsoluteUri;
        await using var tx = await db.BeginWriteAsync(ct);
        var session = await db.Sessions.SingleOrDefaultAsync(s => s.Id == me.SessionId && s.RevokedAt == null, ct);
        if (session is null)
            return Problems.NotFound("session");
        await db.PushSubscriptions.Where(s => s.SessionId == session.Id || s.Endpoint == url).ExecuteDeleteAsync(ct);
        var subscription = new PushSubscription(session, url, request.Keys!.P256dh!, request.Keys.Auth!, now);
        db.PushSubscriptions.Add(subscription);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created("/api/v1/notifications/push-subscriptions/current",
            new PushSubscriptionDto(subscription.Endpoint, subscription.CreatedAt));
    }
}

public static class UnsubscribePush
{
    /// <summary>Forgets this session's subscription, if it has one: after it, this browser gets no more pushes.</summary>
    public static async Task<NoContent> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        await using var tx = await db.BeginWriteAsync(ct);
        await db.PushSubscriptions.Where(s => s.SessionId == me.SessionId && s.UserId == me.Id).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}

public static class GetPushSubscription
{
    public static async Task<Results<Ok<PushSubscriptionDto>, ProblemHttpResult>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var subscription = await db.PushSubscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.SessionId == me.SessionId && s.UserId == me.Id, ct);
        return subscription is null
            ? Problems.NotFound("push subscription")
            : TypedResults.Ok(new PushSubscriptionDto(subscription.Endpoint, subscription.CreatedAt));
    }
}
