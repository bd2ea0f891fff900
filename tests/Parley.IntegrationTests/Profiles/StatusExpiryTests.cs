using System.Net;
using Parley.IntegrationTests.Accounts;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;

namespace Parley.IntegrationTests.Profiles;

public abstract class StatusExpiryTests(ClockApp app)
{
    [Fact]
    public async Task A_status_with_an_end_time_is_no_longer_shown_after_it()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var until = app.Clock.GetUtcNow().AddSeconds(10);
        await (await bob.PutAsync("/api/v1/me/status", new { text = "Lunch", emoji = "🥪", expiresAt = until })).ShouldBe(HttpStatusCode.OK);
        var before = (await org.Owner.UsersAsync()).Single(u => u.Id == bob.Id).Status;

        app.Clock.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal("Lunch", before?.Text);
        Assert.Null((await org.Owner.UsersAsync()).Single(u => u.Id == bob.Id).Status);
        Assert.Null((await bob.GetOkAsync<UserDto>("/api/v1/me/profile")).Status);
    }
}

public sealed class SqliteStatusExpiryTests(SqliteClockApp app) : StatusExpiryTests(app), IClassFixture<SqliteClockApp>;

public sealed class PostgresStatusExpiryTests : StatusExpiryTests, IClassFixture<PostgresClockApp>
{
    public PostgresStatusExpiryTests(PostgresClockApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
