using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Compliance.Discovery;
using Parley.Server.Features.Compliance.Gdpr;

namespace Parley.IntegrationTests.Compliance;

/// <summary>
/// A server whose clock the tests move, with exports built and erasure requests carried out on demand
/// (<see cref="BuildExportsAsync"/>, the <see cref="ErasureWorker"/>'s <c>RunOnceAsync</c>) rather than in the background, so
/// that a test knows when one ran and can stop one half-way by hand.
/// </summary>
public abstract class DiscoveryApp : ParleyApp
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override bool KeepsOperatorSignedIn => false;

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Parley:Sessions:IdleTimeout", "3650.00:00:00"),
        new("Parley:Sessions:Lifetime", "3650.00:00:00"),
        new("Parley:Retention:BackgroundPurge", "false"),
        new("Parley:Discovery:BackgroundExports", "false"),
        new("Parley:Erasure:BackgroundErasure", "false"),
        new("Parley:Record:CheckpointInterval", "36500.00:00:00"),
        new("Parley:Record:ConsistencyInterval", "36500.00:00:00"),
        new("Parley:Record:SequenceInterval", "1.00:00:00"),
    ];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    public Task BuildExportsAsync() => Services.GetRequiredService<DiscoveryExporter>().RunOnceAsync(TestContext.Current.CancellationToken);

    public string ArchiveOf(Guid exportId) => Services.GetRequiredService<DiscoveryExporter>().PathOf(exportId);

    public Task<string> KeyOfAsync(Guid organizationId) =>
        WithDbAsync(db => db.SigningKeys.Where(k => k.OrganizationId == organizationId).Select(k => k.VerifierKey).SingleAsync(TestContext.Current.CancellationToken));
}

public sealed class SqliteDiscoveryApp : DiscoveryApp
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-discovery-{Guid.NewGuid():N}.db")};Default Timeout=60";
}

public sealed class PostgresDiscoveryApp : DiscoveryApp
{
    public override bool IsConfigured => !string.IsNullOrWhiteSpace(PostgresApp.ServerSetting);
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override string ConnectionString { get; } = $"{PostgresApp.ServerSetting};Database=parley_test_{Guid.NewGuid():N}";
}
