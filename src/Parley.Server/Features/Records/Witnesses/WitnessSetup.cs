using Microsoft.Extensions.Options;
using Parley.Server.Data;

namespace Parley.Server.Features.Records.Witnesses;

/// <summary>
/// Where signed checkpoints go once signed. Section "Parley:Record:Witnesses". Each witness that is set is used; with
/// none set, checkpoints stay in the database only, and a rollback of the database cannot be told from its history.
/// </summary>
public sealed class WitnessOptions
{
    public const string Section = "Parley:Record:Witnesses";

    /// <summary>
    /// An append-only folder (WORM storage in production). A relative path is under the data directory. By default
    /// <c>checkpoints</c> there: a database restored or rewritten behind the server's back is seen, though only a folder
    /// on other storage survives the loss of the data directory. Empty turns it off.
    /// </summary>
    public string? Folder { get; set; } = "checkpoints";

    /// <summary>A URL that receives each checkpoint as a POST of <c>text/plain</c> (see <see cref="HttpWitness"/>).</summary>
    public string? HttpUrl { get; set; }

    /// <summary>An RFC 3161 time-stamp authority's URL (see <see cref="TimestampWitness"/>).</summary>
    public string? TimestampUrl { get; set; }

    /// <summary>How long the HTTP and time-stamp witnesses may take to answer (default 10 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

public static class WitnessSetup
{
    /// <summary>
    /// Registers each configured witness as an <see cref="ICheckpointWitness"/>, and the folder witness also as
    /// <see cref="FolderWitness"/>, whose history start-up reads. Reads the configuration now because the set of
    /// witnesses is part of the composition; bad values fail here, at start-up, not at the first checkpoint.
    /// </summary>
    public static IServiceCollection AddCheckpointWitnesses(this IServiceCollection services, IConfiguration config)
    {
        var section = config.GetSection(WitnessOptions.Section);
        services.AddOptions<WitnessOptions>().Bind(section);
        var options = section.Get<WitnessOptions>() ?? new WitnessOptions();
        if (options.Timeout <= TimeSpan.Zero)
            throw new InvalidOperationException($"{WitnessOptions.Section}:Timeout must be positive; it is {options.Timeout}.");

        if (!string.IsNullOrWhiteSpace(options.Folder))
        {
            var folder = options.Folder;
            services.AddSingleton(sp => new FolderWitness(
                Path.Combine(sp.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory, folder),
                sp.GetService<TimeProvider>() ?? TimeProvider.System));
            services.AddSingleton<ICheckpointWitness>(sp => sp.GetRequiredService<FolderWitness>());
        }

        if (!string.IsNullOrWhiteSpace(options.HttpUrl))
        {
            var url = HttpUrl(options.HttpUrl, nameof(WitnessOptions.HttpUrl));
            services.AddHttpClient(HttpWitness.ClientName);
            services.AddSingleton<ICheckpointWitness>(sp => new HttpWitness(
                sp.GetRequiredService<IHttpClientFactory>(), url, options.Timeout, sp.GetService<TimeProvider>() ?? TimeProvider.System));
        }

        if (!string.IsNullOrWhiteSpace(options.TimestampUrl))
        {
            var url = HttpUrl(options.TimestampUrl, nameof(WitnessOptions.TimestampUrl));
            services.AddHttpClient(TimestampWitness.ClientName);
            services.AddSingleton<ICheckpointWitness>(sp => new TimestampWitness(sp.GetRequiredService<IHttpClientFactory>(), url, options.Timeout));
        }
        return services;
    }

    private static Uri HttpUrl(string value, string key) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new InvalidOperationException($"{WitnessOptions.Section}:{key} must be an absolute http or https URL; it is '{value}'.");
}
