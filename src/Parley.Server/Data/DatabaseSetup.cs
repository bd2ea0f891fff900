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
        services.AddHostedService<DatabaseMigrator>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);
        return services;

        static DatabaseOptions Settings(IServiceProvider sp) => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
    }

    /// <remarks>
    /// A command, save or transaction that fails reaches its caller as an exception, and the caller decides what it means:
    /// an expected race or a full disk is handled (and told to the operator once, see <see cref="StorageHealth"/>); anything
    /// else ends the request and ASP.NET Core logs it as an error with the request. EF Core logging the same failure at
    /// error level first only made every handled case look like a fault, so it logs those at debug level.
    /// </remarks>
    private static DbContextOptionsBuilder Common(DbContextOptionsBuilder options, IServiceProvider sp) => options
        .AddInterceptors(sp.GetServices<IInterceptor>())
        .ConfigureWarnings(w => w.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
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
