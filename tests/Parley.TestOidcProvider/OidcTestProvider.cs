using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Parley.TestOidcProvider;

/// <summary>How the provider spoils the ID token it issues to a user, for the tests of what a client must refuse.</summary>
public enum Misbehaviour { None, WrongIssuer, WrongAudience, WrongNonce, Expired, AlgNone, ForeignKey }

/// <summary>A person the provider knows. <see cref="Roles"/> go out as the <c>roles</c> claim (an array).</summary>
public sealed record TestUser(string Username, string Password, string Subject, string? Email, bool EmailVerified = true,
    string? Name = null, IReadOnlyList<string>? Roles = null, Misbehaviour Misbehaviour = Misbehaviour.None);

/// <summary>
/// An OpenID Connect provider on a loopback port: OpenIddict's server in degraded mode (no database), with the users and
/// clients the tests register in memory. Its issuer is its base address, e.g. <c>http://127.0.0.1:41234/</c>.
/// </summary>
public sealed class OidcTestProvider : IAsyncDisposable
{
    public const string RolesClaim = "roles";

    private readonly ConcurrentDictionary<string, TestUser> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Secret, HashSet<string> RedirectUris)> _clients = new(StringComparer.Ordinal);
    private readonly RsaSecurityKey _signingKey = new(RSA.Create(2048)) { KeyId = "test-signing-key" };
    private WebApplication _app = null!;

    public Uri Issuer { get; private set; } = null!;

    public void AddUser(TestUser user) => _users[user.Username] = user;

    public void AddClient(string clientId, string secret, params string[] redirectUris) =>
        _clients[clientId] = (secret, redirectUris.ToHashSet(StringComparer.Ordinal));

    /// <summary>Starts on <paramref name="url"/> (default: a free loopback port).</summary>
    public static async Task<OidcTestProvider> StartAsync(string url = "http://127.0.0.1:0", string[]? args = null)
    {
        var provider = new OidcTestProvider();
        var builder = WebApplication.CreateSlimBuilder(args ?? []);
        builder.WebHost.UseUrls(url);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        provider.ConfigureServices(builder.Services);
        provider._app = builder.Build();
        provider.Configure(provider._app);
        await provider._app.StartAsync();
        var address = provider._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        provider.Issuer = new Uri(address.TrimEnd('/') + "/");
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void ConfigureServices(IServiceCollection services)
    {
        services.AddAuthentication();
        services.AddOpenIddict().AddServer(options =>
        {
            options.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
            options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
            options.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile, Scopes.Roles);
            options.AddSigningKey(_signingKey);
            options.AddEphemeralEncryptionKey();
            options.DisableAccessTokenEncryption();
            // No database: the requests are checked against the registered clients by the two handlers below.
            options.EnableDegradedMode();
            options.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            options.AddEventHandler<OpenIddictServerEvents.ValidateAuthorizationRequestContext>(b => b.UseInlineHandler(context =>
            {
                if (context.ClientId is null || !_clients.TryGetValue(context.ClientId, out var client))
                    context.Reject(Errors.InvalidClient, "Unknown client.");
                else if (context.RedirectUri is null || !client.RedirectUris.Contains(context.RedirectUri))
                    context.Reject(Errors.InvalidRequest, "This redirect_uri is not registered for the client.");
                return default;
            }));
            options.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(b => b.UseInlineHandler(context =>
            {
                if (context.ClientId is null || !_clients.TryGetValue(context.ClientId, out var client)
                    || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(client.Secret), Encoding.UTF8.GetBytes(context.ClientSecret ?? "")))
                    context.Reject(Errors.InvalidClient, "Unknown client or wrong secret.");
                return default;
            }));
        });
    }

    private void Configure(WebApplication app)
    {
        app.Use(SpoilIdTokensAsync);
        app.UseAuthentication();
        app.MapMethods("/connect/authorize", ["GET", "POST"], (Delegate)AuthorizeAsync);
    }

    /// <summary>The login form, and the sign-in it posts.</summary>
    private async Task<IResult> AuthorizeAsync(HttpContext http)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync() : null;
        var username = form?["username"].ToString();
        if (string.IsNullOrEmpty(username))
            return Results.Content(LoginPage(request, null), "text/html; charset=utf-8");
        if (!_users.TryGetValue(username, out var user) || user.Password != form!["password"].ToString())
            return Results.Content(LoginPage(request, "Wrong username or password."), "text/html; charset=utf-8");

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Subject);
        if (user.Email is not null)
        {
            identity.SetClaim(Claims.Email, user.Email);
            identity.AddClaim(new Claim(Claims.EmailVerified, user.EmailVerified ? "true" : "false", ClaimValueTypes.Boolean));
        }
        if (user.Name is not null)
            identity.SetClaim(Claims.Name, user.Name);
        foreach (var role in user.Roles ?? [])
            identity.AddClaim(new Claim(RolesClaim, role));
        identity.SetScopes(request.GetScopes());
        identity.SetDestinations(_ => [Destinations.IdentityToken, Destinations.AccessToken]);
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static string LoginPage(OpenIddictRequest request, string? error)
    {
        var hidden = new StringBuilder();
        foreach (var (name, value) in request.GetParameters())
            if (name is not ("username" or "password"))
                hidden.Append($"<input type=\"hidden\" name=\"{WebUtility.HtmlEncode(name)}\" value=\"{WebUtility.HtmlEncode(value.ToString())}\">");
        return $"""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider sign-in</title></head><body>
            <h1>Test provider</h1>{(error is null ? "" : $"<p role=\"alert\">{WebUtility.HtmlEncode(error)}</p>")}
            <form method="post" action="/connect/authorize">{hidden}
            <label>Username <input name="username" autocomplete="username"></label>
            <label>Password <input name="password" type="password" autocomplete="current-password"></label>
            <button type="submit">Sign in</button></form></body></html>
            """;
    }

    /// <summary>Rewrites the ID token of a token response for a user who is set to misbehave.</summary>
    private async Task SpoilIdTokensAsync(HttpContext http, RequestDelegate next)
    {
        if (http.Request.Path != "/connect/token")
        {
            await next(http);
            return;
        }
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await next(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        var body = buffer.ToArray();
        if (http.Response.StatusCode == 200 && JsonNode.Parse(body) is JsonObject json && json["id_token"]?.GetValue<string>() is { } idToken
            && Spoil(idToken) is { } spoiled)
        {
            json["id_token"] = spoiled;
            body = Encoding.UTF8.GetBytes(json.ToJsonString());
        }
        http.Response.ContentLength = body.Length;
        await original.WriteAsync(body);
    }

    private string? Spoil(string idToken)
    {
        var token = new JsonWebToken(idToken);
        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(token.EncodedPayload))!.AsObject();
        var user = _users.Values.FirstOrDefault(u => u.Subject == token.Subject);
        if (user is null || user.Misbehaviour == Misbehaviour.None)
            return null;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var key = _signingKey;
        switch (user.Misbehaviour)
        {
            case Misbehaviour.WrongIssuer: payload["iss"] = "https://issuer.elsewhere.test/"; break;
            case Misbehaviour.WrongAudience: payload["aud"] = "another-client"; break;
            case Misbehaviour.WrongNonce: payload["nonce"] = "a-nonce-from-another-sign-in"; break;
            case Misbehaviour.Expired:
                payload["iat"] = now - 7200;
                payload["nbf"] = now - 7200;
                payload["exp"] = now - 3600;
                break;
            case Misbehaviour.AlgNone:
                return Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""") + "." + Base64UrlEncoder.Encode(payload.ToJsonString()) + ".";
            case Misbehaviour.ForeignKey:
                key = new RsaSecurityKey(RSA.Create(2048)) { KeyId = _signingKey.KeyId };   // same name, not the published key
                break;
        }
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }
            .CreateToken(payload.ToJsonString(), new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
    }
}
