using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Parley.IntegrationTests.Infrastructure;

namespace Parley.IntegrationTests.Organizations;

public abstract class BootstrapTests(ParleyApp app)
{
    private static readonly KeyValuePair<string, string>[] Acme =
    [
        new("Parley:Bootstrap:Organization", "Acme"), new("Parley:Bootstrap:Email", "alice@acme.test"),
        new("Parley:Bootstrap:Password", "correct horse battery"),
    ];

    [Fact]
    public async Task Bootstrap_settings_on_a_database_that_has_an_organization_are_ignored_with_a_warning_that_says_what_to_do()
    {
        string database;
        await using (var first = new FreshApp(app.Engine, []))               // bootstraps its own first organization
        {
            await first.InitializeAsync();
            database = first.Database;
        }
        await using var restarted = new FreshApp(app.Engine, Acme, database);

        await restarted.InitializeAsync();

        var warning = Assert.Single(BootstrapWarnings(restarted));
        Assert.Contains("ignored", warning);
        Assert.Contains("already has an organization", warning);
        Assert.Contains("alice@acme.test", warning);
        Assert.Contains("Parley__DataDirectory", warning);
        Assert.False(await restarted.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Name == "Acme")));
    }

    [Fact]
    public async Task Incomplete_bootstrap_settings_name_what_is_missing_in_a_warning()
    {
        await using var server = new FreshApp(app.Engine, [.. FreshApp.NoBootstrap, new("Parley:Bootstrap:Email", "alice@acme.test")]);

        await server.InitializeAsync();

        var warning = Assert.Single(BootstrapWarnings(server));
        Assert.Contains("Parley__Bootstrap__Organization, Parley__Bootstrap__Password", warning);
        Assert.DoesNotContain("Parley__Bootstrap__Email", warning.Replace("Parley__Bootstrap__*", ""));
        Assert.False(await server.WithDbAsync(db => db.Organizations.AnyAsync()));
    }

    [Fact]
    public async Task A_first_start_with_complete_settings_or_none_warns_about_nothing()
    {
        await using var configured = new FreshApp(app.Engine, Acme);
        await using var unconfigured = new FreshApp(app.Engine, FreshApp.NoBootstrap);

        await configured.InitializeAsync();
        await unconfigured.InitializeAsync();

        Assert.Empty(BootstrapWarnings(configured));
        Assert.Empty(BootstrapWarnings(unconfigured));
        Assert.True(await configured.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Name == "Acme")));
    }

    private static List<string> BootstrapWarnings(FreshApp server) =>
        server.Logs.Entries.Where(e => e.Level >= LogLevel.Warning && e.Category.EndsWith(".Bootstrap")).Select(e => e.Message).ToList();
}

public sealed class SqliteBootstrapTests(SqliteApp app) : BootstrapTests(app);

public sealed class PostgresBootstrapTests : BootstrapTests
{
    public PostgresBootstrapTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
