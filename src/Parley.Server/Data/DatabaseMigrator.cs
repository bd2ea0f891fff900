using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Features.Organizations;

namespace Parley.Server.Data;

/// <summary>
/// Applies the shipped migrations before the server takes requests (self-hosted installs upgrade by restarting),
/// then creates the first organization on an empty database.
/// </summary>
internal sealed partial class DatabaseMigrator(
    IServiceScopeFactory scopes, IOptions<StorageOptions> storage, ILogger<DatabaseMigrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        LogDataDirectory(logger, storage.Value.FullDataDirectory, db.Database.IsSqlite() ? db.Database.GetDbConnection().DataSource : "PostgreSQL");
        if (db.Database.IsSqlite())
        {
            // WAL lets readers go on while one writer commits; synchronous stays FULL so an acknowledged send is durable.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        if (pending.Count > 0)
            LogMigrating(logger, pending.Count, db.Database.ProviderName ?? "?");
        await db.Database.MigrateAsync(ct);

        await scope.ServiceProvider.GetRequiredService<Bootstrap>().RunAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Data directory {DataDirectory} (uploaded files); database {Database}")]
    private static partial void LogDataDirectory(ILogger logger, string dataDirectory, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying {Count} database migration(s) on {Provider}")]
    private static partial void LogMigrating(ILogger logger, int count, string provider);
}
