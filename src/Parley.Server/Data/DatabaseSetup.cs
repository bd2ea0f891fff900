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
        services.AddDbContextPool<SqliteParleyDb>((sp, o) => o.UseSqlite(SqliteConnectionString(sp)).AddInterceptors(sp.GetServices<IInterceptor>()));
        services.AddDbContextPool<PostgresParleyDb>((sp, o) => o.UseNpgsql(Settings(sp).ConnectionString).AddInterceptors(sp.GetServices<IInterceptor>()));
        services.AddScoped<ParleyDb>(sp => Settings(sp).Provider switch
        {
            DatabaseProvider.Sqlite => sp.GetRequiredService<SqliteParleyDb>(),
            DatabaseProvider.Postgres => sp.GetRequiredService<PostgresParleyDb>(),
            var other => throw new InvalidOperationException($"Unknown database provider '{other}'. Use Sqlite or Postgres."),
        });
        services.AddHostedService<DatabaseMigrator>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        return services;

        static DatabaseOptions Settings(IServiceProvider sp) => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
    }

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
