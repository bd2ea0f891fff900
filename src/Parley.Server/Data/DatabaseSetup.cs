using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Parley.Server.Data;

public static class DatabaseSetup
{
    public static IServiceCollection AddParleyDatabase(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Interceptors registered in the container (query counting in tests, tracing) apply to both engines.
        // Contexts are pooled and their options built once: building options and a context for every request cost
        // more CPU than the query a simple request runs.
        services.AddSingleton<SqliteWriteGate>();
        services.AddSingleton<StorageHealth>();
        services.AddSingleton<IInterceptor, StorageWriteObserver>();
        services.AddDbContextPool<SqliteParleyDb>((sp, o) => Common(o.UseSqlite(SqliteConnectionString(sp)), sp));
        services.AddDbContextPool<PostgresParleyDb>((sp, o) => Common(o.UseNpgsql(Settings(sp).ConnectionString), sp));
        services.AddScoped<ParleyDb>(sp => Settings(sp).Provider switch
        {
            DatabaseProvider.Sqlite => sp.GetRequiredService<SqliteParleyDb>(),
            DatabaseProvider.Postgres => sp.GetRequiredService<PostgresParleyDb>(),
            var other => throw new InvalidOperationException($"Unknown database provider '{other}'. Use Sqlite or Postgres."),
        });
        services.AddHostedService<DataDirectoryLock>();                       // first: nothing starts on data a restore is replacing
        services.AddHostedService<DatabaseMigrator>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);
        return services;

        static DatabaseOptions Settings(IServiceProvider sp) => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
    }

    /// <summary>
    /// EF Core logs every failed command, save and transaction at error level, including the ones the code expects and
    /// handles (a unique index deciding a race, a retry). Those are debug information; a failure nobody handled is still
    /// logged at error, once, by whoever sees it unhandled (the exception handler, SignalR, the host).
    /// </summary>
    private static void Common(DbContextOptionsBuilder options, IServiceProvider sp) => options
        .AddInterceptors(sp.GetServices<IInterceptor>())
        .ConfigureWarnings(w => w.Log(
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (CoreEventId.QueryIterationFailed, LogLevel.Debug),
            (CoreEventId.OptimisticConcurrencyException, LogLevel.Debug),
            (RelationalEventId.CommandError, LogLevel.Debug),
            (RelationalEventId.ConnectionError, LogLevel.Debug),      // e.g. the migrator probing a database it then creates
            (RelationalEventId.TransactionError, LogLevel.Debug)));

    private static string SqliteConnectionString(IServiceProvider sp)
    {
        var configured = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString;
        if (!string.IsNullOrWhiteSpace(configured))
            return configured;
        var folder = sp.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory;
        Directory.CreateDirectory(folder);
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(folder, "parley.db"),
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }
}
