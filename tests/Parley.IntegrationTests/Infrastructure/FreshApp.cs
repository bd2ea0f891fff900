using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Parley.Server.Data;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>
/// A server of its own on a new, empty database (or on <paramref name="connectionString"/> to restart on an existing
/// one), for tests about what happens when a server starts. Its log is kept in <see cref="ParleyApp.Logs"/>.
/// </summary>
public sealed class FreshApp(DatabaseProvider provider, IEnumerable<KeyValuePair<string, string>> settings, string? connectionString = null)
    : ParleyApp
{
    protected override DatabaseProvider Provider => provider;

    protected override string ConnectionString { get; } = connectionString ?? NewConnectionString(provider);

    /// <summary>The database this server runs on, to start another server on it.</summary>
    public string Database => ConnectionString;

    public override bool IsConfigured => provider == DatabaseProvider.Sqlite || !string.IsNullOrWhiteSpace(PostgresApp.ServerSetting);

    protected override IEnumerable<KeyValuePair<string, string>> Settings => settings;

    public static string NewConnectionString(DatabaseProvider provider) => provider == DatabaseProvider.Sqlite
        ? $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-{Guid.NewGuid():N}.db")};Default Timeout=60"
        : $"{PostgresApp.ServerSetting};Database=parley_test_{Guid.NewGuid():N}";

    /// <summary>Settings that leave the bootstrap empty, as on a first start without configuration.</summary>
    public static readonly KeyValuePair<string, string>[] NoBootstrap =
        [new("Parley:Bootstrap:Organization", ""), new("Parley:Bootstrap:Email", ""), new("Parley:Bootstrap:Password", "")];
}
