using System.Net;
using System.Net.Http.Json;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;

namespace Parley.IntegrationTests.Accounts;

/// <summary>
/// A server behind a reverse proxy at 127.0.0.1, the address every test client connects from. SQLite only: which
/// address a request comes from is decided before any database work.
/// </summary>
public sealed class BehindProxyApp : ParleyApp
{
    public const int LoginPerIp = 5;

    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } =
        $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-proxy-{Guid.NewGuid():N}.db")};Default Timeout=60";

    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
    [
        new("Parley:Network:KnownProxies:0", "127.0.0.1"),
        new("Parley:RateLimits:LoginPerIp", LoginPerIp.ToString()),
    ];
}

public sealed class ForwardedHeadersTests(BehindProxyApp app) : IClassFixture<BehindProxyApp>
{
    [Fact]
    public async Task The_address_a_configured_proxy_forwards_is_the_clients_address()
    {
        var org = await app.OrganizationAsync();
        using var anonymous = app.Http();

        var session = await (await anonymous.PostLoginForAsync("203.0.113.7", org.Owner.Email, org.Owner.Password)).ReadAsync<LoginResultDto>(HttpStatusCode.OK);

        var signIn = Assert.Single(await org.Owner.AuditAsync("LoginSucceeded"), e => e.TargetId == session.SessionId.ToString());
        Assert.Equal("203.0.113.7", signIn.Address);
    }

    [Fact]
    public async Task Each_forwarded_address_has_its_own_sign_in_budget()
    {
        var org = await app.OrganizationAsync();
        using var anonymous = app.Http();
        for (var attempt = 1; attempt <= BehindProxyApp.LoginPerIp; attempt++)
            await (await anonymous.PostLoginForAsync("198.51.100.20", org.Owner.Email, org.Owner.Password)).ShouldBe(HttpStatusCode.OK);

        var refused = await anonymous.PostLoginForAsync("198.51.100.20", org.Owner.Email, org.Owner.Password);
        var neighbour = await anonymous.PostLoginForAsync("198.51.100.21", org.Owner.Email, org.Owner.Password);

        await refused.ShouldBeProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        await neighbour.ShouldBe(HttpStatusCode.OK);
    }
}

public static class ForwardingHelpers
{
    /// <summary>A sign-in as a reverse proxy passes it on for a client at <paramref name="clientAddress"/>.</summary>
    public static Task<HttpResponseMessage> PostLoginForAsync(this HttpClient http, string clientAddress, string email, string password) =>
        http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/login")
        {
            Content = JsonContent.Create(new { email, password, deviceName = "behind a proxy" }),
            Headers = { { "X-Forwarded-For", clientAddress } },
        });
}
