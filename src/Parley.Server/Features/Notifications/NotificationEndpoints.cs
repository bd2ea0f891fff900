using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Parley.Server.Platform;

namespace Parley.Server.Features.Notifications;

public static class NotificationEndpoints
{
    public static IServiceCollection AddNotifications(this IServiceCollection services)
    {
        services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PushKeys>();
        services.AddSingleton<PushQueue>();
        services.AddHostedService<PushDelivery>();
        services.AddTransient<VapidOriginHandler>();
        services.AddHttpClient(PushDelivery.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(15))
            .AddHttpMessageHandler<VapidOriginHandler>()
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                ConnectCallback = PublicOnly(sp.GetRequiredService<IOptions<NotificationOptions>>().Value.AllowInsecureEndpoints),
            });
        return services;
    }

    /// <summary>
    /// The server posts to URLs that browsers (and so, people) chose: after name resolution, it connects only to public
    /// addresses, so a subscription cannot aim it at the intranet, whatever its host name resolves to tomorrow.
    /// </summary>
    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> PublicOnly(bool allowInsecure) =>
        async (context, ct) =>
        {
            var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
            var allowed = addresses.Where(a => allowInsecure || PushSubscriptionChecks.IsPublic(a)).ToArray();
            if (allowed.Length == 0)
                throw new HttpRequestException($"{context.DnsEndPoint.Host} is not a public address.");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };

    public static void MapNotificationEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/notifications").WithTags("Notifications");
        group.MapGet("/push-key", GetPushKey.HandleAsync)
            .WithSummary("Get the server's Web Push public key")
            .WithDescription("The VAPID public key (RFC 8292), base64url: pass it as `applicationServerKey` to `PushManager.subscribe`.");
        group.MapGet("/push-subscriptions/current", GetPushSubscription.HandleAsync)
            .WithSummary("Get this session's push subscription");
        group.MapPost("/push-subscriptions", SubscribePush.HandleAsync)
            .WithSummary("Subscribe this session to Web Push")
            .WithDescription("The body is the browser's `PushSubscription.toJSON()`. It replaces this session's previous subscription, " +
                "and ends with the session.")
            .WithProblems(400);
        group.MapDelete("/push-subscriptions/current", UnsubscribePush.HandleAsync)
            .WithSummary("Unsubscribe this session from Web Push");

        var conversations = api.MapGroup("/conversations/{conversationId:long}/notifications").WithTags("Notifications");
        conversations.MapGet("/", GetNotificationPreference.HandleAsync)
            .WithSummary("Get your notification level for a conversation")
            .WithProblems(403);
        conversations.MapPut("/", SetNotificationPreference.HandleAsync)
            .WithSummary("Choose your notification level for a conversation")
            .WithDescription("`all` (direct messages, mentions, replies in your threads), `mentions` or `muted`.")
            .WithProblems(400, 403);
    }
}
