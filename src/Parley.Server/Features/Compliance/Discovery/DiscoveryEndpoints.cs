using Parley.Server.Platform;

namespace Parley.Server.Features.Compliance.Discovery;

public static class DiscoveryEndpoints
{
    public static void MapDiscoveryEndpoints(this RouteGroupBuilder compliance)
    {
        compliance.MapPost("/search", SearchDiscovery.HandleAsync)
            .WithSummary("eDiscovery search across the organization's record (audited)")
            .WithDescription("People (senders), conversations, a date range [from, to), words (any of them, case- and accent-insensitive, in any version) and has-file. " +
                "Each message with every version, its deletion and the members of its conversation when it was sent. Paged by `after` (the previous page's `next`).")
            .WithProblems(400, 403);
        var exports = compliance.MapGroup("/exports");
        exports.MapPost("/", CreateDiscoveryExport.HandleAsync)
            .WithSummary("Export a search's matches or a legal hold's messages (jsonl, csv, eml or actiance), built in the background")
            .WithProblems(400, 403, 422);
        exports.MapGet("/", ReadDiscoveryExports.ListAsync).WithSummary("Your exports, newest first").WithProblems(403);
        exports.MapGet("/{exportId:guid}", ReadDiscoveryExports.GetAsync).WithSummary("One of your exports and its progress").WithProblems(403, 404);
        exports.MapGet("/{exportId:guid}/download", DownloadDiscoveryExport.HandleAsync)
            .WithSummary("Download your export: a ZIP with the items, a signed manifest and the record bundle (audited)")
            .WithProblems(403, 404, 409, 410);
    }

    /// <summary>Discovery exports' options (<c>Parley:Discovery</c>) and their background builder.</summary>
    public static IServiceCollection AddDiscovery(this IServiceCollection services)
    {
        services.AddOptions<DiscoveryOptions>().BindConfiguration(DiscoveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DiscoveryExporter>();
        services.AddHostedService(sp => sp.GetRequiredService<DiscoveryExporter>());
        return services;
    }
}
