using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;

namespace Parley.IntegrationTests.Accounts;

/// <summary>
/// A server whose clock the tests move, with sessions short enough to outlive: an idle timeout shorter than the
/// session cache keeps its entries (30 s), so a cached session is seen to expire too.
/// </summary>
public abstract class ClockApp : ParleyApp
{
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(20), Lifetime = TimeSpan.FromSeconds(60);

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override bool KeepsOperatorSignedIn => false;

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Parley:Sessions:IdleTimeout", IdleTimeout.ToString()),
        new("Parley:Sessions:Lifetime", Lifetime.ToString()),
    ];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

public sealed class SqliteClockApp : ClockApp
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-clock-{Guid.NewGuid():N}.db")};Default Timeout=60";
}

public sealed class PostgresClockApp : ClockApp
{
    public override bool IsConfigured => !string.IsNullOrWhiteSpace(PostgresApp.ServerSetting);
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;
    protected override string ConnectionString { get; } = $"{PostgresApp.ServerSetting};Database=parley_test_{Guid.NewGuid():N}";
}

public abstract class SessionExpiryTests(ClockApp app)
{
    [Fact]
    public async Task An_idle_session_expires_with_401_session_expired_on_the_api_and_the_hub()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);   // now in the session cache

        app.Clock.Advance(ClockApp.IdleTimeout + TimeSpan.FromSeconds(1));
        var api = await bob.GetAsync("/api/v1/users/me");
        var hub = await bob.Http.PostAsync("/hubs/events/negotiate?negotiateVersion=1", null, TestContext.Current.CancellationToken);
        var again = await app.SignInAgainAsync(bob, "Firefox on laptop");

        await api.ShouldBeProblem(HttpStatusCode.Unauthorized, "session-expired");
        await hub.ShouldBeProblem(HttpStatusCode.Unauthorized, "session-expired");
        var devices = await again.GetOkAsync<List<SessionDto>>("/api/v1/auth/sessions");
        Assert.Equal("Firefox on laptop", Assert.Single(devices).DeviceName);
    }

    [Fact]
    public async Task A_session_in_use_stays_until_its_lifetime_ends()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var step = ClockApp.IdleTimeout * 3 / 4;
        var used = TimeSpan.Zero;

        while (used + step < ClockApp.Lifetime)
        {
            app.Clock.Advance(step);
            used += step;
            await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
        }
        app.Clock.Advance(ClockApp.Lifetime - used);
        var ended = await bob.GetAsync("/api/v1/users/me");

        await ended.ShouldBeProblem(HttpStatusCode.Unauthorized, "session-expired");
    }

    [Fact]
    public async Task A_revoked_session_still_says_unauthenticated_not_expired()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        await (await bob.DeleteAsync("/api/v1/auth/sessions/current")).ShouldBe(HttpStatusCode.NoContent);
        app.Clock.Advance(ClockApp.IdleTimeout + TimeSpan.FromSeconds(1));

        await (await bob.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
    }
}

public sealed class SqliteSessionExpiryTests(SqliteClockApp app) : SessionExpiryTests(app), IClassFixture<SqliteClockApp>;

public sealed class PostgresSessionExpiryTests : SessionExpiryTests, IClassFixture<PostgresClockApp>
{
    public PostgresSessionExpiryTests(PostgresClockApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
