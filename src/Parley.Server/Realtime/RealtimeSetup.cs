using System.Security.Claims;
using Microsoft.AspNetCore.SignalR;

namespace Parley.Server.Realtime;

public static class RealtimeSetup
{
    public static IServiceCollection AddRealtime(this IServiceCollection services)
    {
        services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = 32 * 1024;
            o.AddFilter<HubErrors>();
        });
        services.AddLogging(logging => logging.AddFilter(HubErrors.DispatcherCategory, LogLevel.Critical));
        services.AddSingleton<IUserIdProvider, UserIdProvider>();
        services.AddSingleton<ConnectionRegistry>();
        services.AddSingleton<AnnouncementOrder>();
        services.AddScoped<LiveEvents>();
        return services;
    }

    /// <summary>SignalR addresses users by our user id, never by anything an identity provider chose.</summary>
    private sealed class UserIdProvider : IUserIdProvider
    {
        public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirstValue(ClaimTypes.NameIdentifier);
    }
}
