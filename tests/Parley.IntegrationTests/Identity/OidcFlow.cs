using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Parley.IntegrationTests.Infrastructure;
using Parley.TestOidcProvider;

namespace Parley.IntegrationTests.Identity;

/// <summary>One OpenID Connect provider on loopback for a test class, shared by its tests (each registers its own users and clients).</summary>
public sealed class OidcProviderFixture : IAsyncLifetime
{
    public OidcTestProvider Provider { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Provider = await OidcTestProvider.StartAsync();

    public async ValueTask DisposeAsync() => await Provider.DisposeAsync();
}

/// <summary>
/// A browser's walk through the sign-in, over HTTP with redirects followed by hand: Parley's start, the provider's login
/// form (filled and posted), the provider's redirect back to Parley's callback, and where that sends the browser.
/// </summary>
public sealed partial class OidcFlow(ParleyApp app, OidcTestProvider provider) : IDisposable
{
    private readonly CookieContainer _parleyCookies = new();
    private readonly HttpClient _parley = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };
    private readonly HttpClient _provider = new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
    private HttpClient? _browser;

    private HttpClient Browser => _browser ??= new HttpClient(
        new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = _parleyCookies })
    { BaseAddress = app.BaseAddress };

    public static string RedirectUri(ParleyApp app, Guid organizationId) =>
        new Uri(app.BaseAddress, $"/api/v1/auth/oidc/{organizationId}/callback").ToString();

    /// <summary>Registers a client for the organization at the provider and sets the organization's provider settings.</summary>
    public static async Task<string> ConfigureAsync(ParleyApp app, OidcTestProvider provider, Org org, string justInTime = "create-accounts",
        string? roleClaim = null, string[]? adminRoleValues = null)
    {
        var clientId = $"parley-{Guid.NewGuid():N}";
        var secret = $"secret-{Guid.NewGuid():N}";
        provider.AddClient(clientId, secret, RedirectUri(app, org.Id));
        var response = await org.Owner.PutAsync("/api/v1/organization/sso", new
        {
            displayName = "Test provider",
            issuer = provider.Issuer.ToString(),
            clientId,
            clientSecret = secret,
            scopes = new[] { "openid", "email", "profile", "roles" },
            roleClaim,
            adminRoleValues,
            justInTime,
            allowedDomains = new[] { org.Domain },
        });
        await response.ShouldBe(HttpStatusCode.OK);
        return secret;
    }

    /// <summary>Parley's start: where it sends the browser (the provider's authorization endpoint).</summary>
    public async Task<Uri> StartAsync(Guid organizationId)
    {
        var start = await Browser.GetAsync($"/api/v1/auth/oidc/{organizationId}/start");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        return start.Headers.Location!;
    }

    /// <summary>The provider's login form, filled and posted: where the provider sends the browser back.</summary>
    public async Task<Uri> LogInAtProviderAsync(Uri authorize, string username, string password)
    {
        Assert.True(authorize.ToString().StartsWith(provider.Issuer.ToString(), StringComparison.Ordinal),
            $"Parley's start sent the browser to {authorize}, not to the provider at {provider.Issuer}");
        var page = await _provider.GetStringAsync(authorize);
        var fields = Inputs().Matches(page).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));
        fields["username"] = username;
        fields["password"] = password;
        var posted = await _provider.PostAsync(new Uri(provider.Issuer, "/connect/authorize"), new FormUrlEncodedContent(fields));
        Assert.True(posted.StatusCode == HttpStatusCode.Redirect, $"The provider answered {(int)posted.StatusCode}: {await posted.Content.ReadAsStringAsync()}");
        return posted.Headers.Location!;
    }

    /// <summary>Parley's callback: the fragment of the web client address it ends on (<c>sso=…</c> or <c>sso-error=…</c>).</summary>
    public async Task<(string Key, string Value)> CallbackAsync(Uri callback)
    {
        Assert.True(callback.ToString().StartsWith(app.BaseAddress.ToString(), StringComparison.Ordinal),
            $"The provider sent the browser to {callback}, not back to Parley");
        var answer = await Browser.GetAsync(callback.PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        var location = answer.Headers.Location!.OriginalString;
        Assert.StartsWith("/#", location);
        var (key, value) = location[2..].Split('=', 2) switch { [var k, var v] => (k, v), _ => ("", "") };
        return (key, value);
    }

    /// <summary>The whole walk; returns the fragment it ended on.</summary>
    public async Task<(string Key, string Value)> SignInAsync(Guid organizationId, string username, string password = "provider-password") =>
        await CallbackAsync(await LogInAtProviderAsync(await StartAsync(organizationId), username, password));

    /// <summary>The whole walk and the web client's last step, which must open a session.</summary>
    public async Task<Parley.Server.Features.Accounts.LoginResultDto> SessionAsync(Guid organizationId, string username) =>
        await (await CompleteAsync(await SignInAsync(organizationId, username).ShouldSignInAsync()))
            .ReadAsync<Parley.Server.Features.Accounts.LoginResultDto>(HttpStatusCode.OK);

    /// <summary>The web client's last step: the ticket for a session.</summary>
    public async Task<HttpResponseMessage> CompleteAsync(string ticket, string device = "SSO browser") =>
        await Browser.PostAsJsonAsync("/api/v1/auth/oidc/complete", new { ticket, deviceName = device });

    /// <summary>The last step from another browser (one the sign-in did not end in), as a link sent to someone would make.</summary>
    public async Task<HttpResponseMessage> CompleteElsewhereAsync(string ticket) =>
        await _parley.PostAsJsonAsync("/api/v1/auth/oidc/complete", new { ticket, deviceName = "another browser" });

    public void Dispose()
    {
        _parley.Dispose();
        _provider.Dispose();
        _browser?.Dispose();
    }

    [GeneratedRegex("""<input type="hidden" name="([^"]*)" value="([^"]*)">""")]
    private static partial Regex Inputs();
}

internal static class OidcAssertions
{
    public static async Task<string> ShouldSignInAsync(this Task<(string Key, string Value)> walk)
    {
        var (key, value) = await walk;
        Assert.True(key == "sso", $"The sign-in ended on #{key}={value}");
        return value;
    }

    public static async Task ShouldBeRefusedAsync(this Task<(string Key, string Value)> walk, string code)
    {
        var (key, value) = await walk;
        Assert.Equal(("sso-error", code), (key, value));
    }

    public static string? Text(this JsonElement? data, string name) =>
        data is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty(name, out var v) ? v.ToString() : null;
}
