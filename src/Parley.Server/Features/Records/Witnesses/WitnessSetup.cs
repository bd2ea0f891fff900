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

/// <summary>The witnesses configured, built once from <see cref="WitnessOptions"/> when first needed.</summary>
public sealed class CheckpointWitnesses(IReadOnlyList<ICheckpointWitness> all)
{
    public IReadOnlyList<ICheckpointWitness> All { get; } = all;

    /// <summary>The folder witness, whose history the consistency check reads; null when it is turned off.</summary>
    public FolderWitness? Folder => All.OfType<FolderWitness>().FirstOrDefault();
}

public static class WitnessSetup
{
    /// <summary>
    /// Registers <see cref="CheckpointWitnesses"/>: each configured witness, read from the configuration when the server
    /// starts (the sequencer needs them then), so bad values fail at start-up with the key they are under.
    /// </summary>
    public static IServiceCollection AddCheckpointWitnesses(this IServiceCollection services)
    {
        services.AddOptions<WitnessOptions>().BindConfiguration(WitnessOptions.Section);
        services.AddHttpClient(HttpWitness.ClientName);
        services.AddHttpClient(TimestampWitness.ClientName);
        services.AddSingleton(sp => new CheckpointWitnesses(Build(sp)));
        return services;
    }

    private static List<ICheckpointWitness> Build(IServiceProvider sp)
    {
        var options = sp.GetRequiredService<IOptions<WitnessOptions>>().Value;
        var clock = sp.GetService<TimeProvider>() ?? TimeProvider.System;
        if (options.Timeout <= TimeSpan.Zero)
            throw new InvalidOperationException($"{WitnessOptions.Section}:Timeout must be positive; it is {options.Timeout}.");
        var witnesses = new List<ICheckpointWitness>();
        if (!string.IsNullOrWhiteSpace(options.Folder))
            witnesses.Add(new FolderWitness(
                Path.Combine(sp.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory, options.Folder), clock));
        if (!string.IsNullOrWhiteSpace(options.HttpUrl))
            witnesses.Add(new HttpWitness(sp.GetRequiredService<IHttpClientFactory>(), HttpUrl(options.HttpUrl, nameof(WitnessOptions.HttpUrl)),
                options.Timeout, clock));
        if (!string.IsNullOrWhiteSpace(options.TimestampUrl))
            witnesses.Add(new TimestampWitness(sp.GetRequiredService<IHttpClientFactory>(),
                HttpUrl(options.TimestampUrl, nameof(WitnessOptions.TimestampUrl)), options.Timeout));
        return witnesses;
    }

    private static Uri HttpUrl(string value, string key) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new InvalidOperationException($"{WitnessOptions.Section}:{key} must be an absolute http or https URL; it is '{value}'.");
}
