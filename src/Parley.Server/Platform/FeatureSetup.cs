using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Organizations;

namespace Parley.Server.Platform;

public static class FeatureSetup
{
    public static IServiceCollection AddParleyFeatures(this IServiceCollection services)
    {
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section);
        services.AddOptions<MessageOptions>().BindConfiguration(MessageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Features.Files.FileOptions>().BindConfiguration(Features.Files.FileOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SetupToken>();
        services.AddScoped<Bootstrap>();
        services.AddSingleton<MarkdownRenderer>();
        services.AddSingleton<FileStore>();
        services.AddSingleton<FileIntegrity>();
        services.AddHostedService<FileLayoutMigration>();                    // after DatabaseMigrator: it reads the files' rows
        services.AddSingleton<FileScrub>();
        services.AddHostedService(sp => sp.GetRequiredService<FileScrub>());  // one instance: tests and the CLI call RunOnceAsync
        services.AddHealthChecks().AddCheck<FileIntegrityHealthCheck>("files", tags: ["ready"]);
        return services;
    }

    /// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: and its database does too (Degraded: storage full, files damaged).</summary>
    public static void MapParleyHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Text("ok")).ExcludeFromDescription();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
    }
}
