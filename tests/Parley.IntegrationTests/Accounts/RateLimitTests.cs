using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Messages;

namespace Parley.IntegrationTests.Accounts;

/// <summary>
/// A server of its own with budgets small enough to exhaust. SQLite only: the limits live in memory, not in the database.
/// Arranging an organization spends sign-in budget from 127.0.0.1 (the operator's sign-in once, then an invite
/// acceptance and a sign-in per organization), so the tests count their own attempts from a loopback address of their own.
/// </summary>
public sealed class TightLimitsApp : ParleyApp
{
    public const int LoginPerIp = 5, SendPerUser = 5;

    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-limits-{Guid.NewGuid():N}.db")};Default Timeout=60";

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Parley:RateLimits:LoginPerIp", LoginPerIp.ToString()),
        new("Parley:RateLimits:SendPerUser", SendPerUser.ToString()),
    ];
}

public sealed class RateLimitTests(TightLimitsApp app) : IClassFixture<TightLimitsApp>
{
    [Fact]
    public async Task The_sixth_sign_in_from_one_address_in_a_minute_is_refused()
    {
        var org = await app.OrganizationAsync();
        using var fromOneAddress = app.HttpFrom(AccountHelpers.UniqueLoopbackAddress());
        using var fromAnother = app.HttpFrom(AccountHelpers.UniqueLoopbackAddress());
        for (var attempt = 1; attempt <= TightLimitsApp.LoginPerIp; attempt++)
            await (await fromOneAddress.PostLoginAsync(org.Owner.Email, org.Owner.Password)).ShouldBe(HttpStatusCode.OK);

        var refused = await fromOneAddress.PostLoginAsync(org.Owner.Email, org.Owner.Password);
        var elsewhere = await fromAnother.PostLoginAsync(org.Owner.Email, org.Owner.Password);

        await refused.ShouldBeProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.InRange(refused.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        await elsewhere.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_sixth_message_from_one_user_in_a_minute_is_refused_and_not_stored()
    {
        var org = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("launch", "public");
        for (var n = 1; n <= TightLimitsApp.SendPerUser; n++)
            await org.Owner.SendAsync(channel.Id, $"message {n}");

        var refused = await org.Owner.PostAsync($"/api/v1/conversations/{channel.Id}/messages",
            new { content = "one too many", clientMessageId = Guid.NewGuid() });

        await refused.ShouldBeProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        var page = await org.Owner.GetOkAsync<MessagePageDto>($"/api/v1/conversations/{channel.Id}/messages");
        Assert.Equal(Enumerable.Range(1, TightLimitsApp.SendPerUser).Select(n => $"message {n}"), page.Messages.Select(m => m.Content));
    }
}
