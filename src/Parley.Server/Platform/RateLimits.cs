using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Parley.Server.Platform;

/// <summary>Request budgets. Section "Parley:RateLimits". Every budget is per minute.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Parley:RateLimits";

    [Range(1, int.MaxValue)] public int LoginPerIp { get; set; } = 30;
    [Range(1, int.MaxValue)] public int SendPerUser { get; set; } = 600;
    [Range(1, int.MaxValue)] public int SendPerIp { get; set; } = 6000;
}

public static class RateLimits
{
    public const string Login = "login", Send = "send";

    public static IServiceCollection AddParleyRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = 429 },
                });
            };
            o.AddPolicy(Login, http => Window("ip:" + http.ClientAddress(), Limits(http).LoginPerIp));
            // Sending is limited per user and, so that many accounts from one address can't flood, per address too.
            o.AddPolicy(Send, http => Window("user:" + CurrentUser.TryFrom(http.User)?.Id, Limits(http).SendPerUser));
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.GetEndpoint()?.Metadata.GetMetadata<SendEndpoint>() is not null
                    ? Window("send-ip:" + http.ClientAddress(), Limits(http).SendPerIp)
                    : RateLimitPartition.GetNoLimiter(""));
        });
        return services;
    }

    /// <summary>Marks the send endpoints for the per-address budget.</summary>
    public sealed class SendEndpoint;

    public static TBuilder RequireSendLimits<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(Send).WithMetadata(new SendEndpoint());

    private static RateLimitOptions Limits(HttpContext http) => http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;

    private static RateLimitPartition<string> Window(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        });

    public static string ClientAddress(this HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
