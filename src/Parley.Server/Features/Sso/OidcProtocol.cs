using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Parley.Server.Features.Sso;

/// <summary>Why a provider's sign-in was refused: <see cref="Code"/> is the stable code the person and the audit log see.</summary>
public sealed class OidcRefusal(string code, string detail, Guid? userId = null) : Exception(detail)
{
    public string Code { get; } = code;

    /// <summary>The account the sign-in was for, when it got that far.</summary>
    public Guid? UserId { get; } = userId;
}

/// <summary>The identity an ID token proved.</summary>
public sealed record OidcIdentity(string Issuer, string Subject, string? Email, bool EmailVerified, string? Name, IReadOnlyList<string> Roles);

/// <summary>
/// The protocol side of OpenID Connect sign-in, on Microsoft.IdentityModel: discovery and signing keys (cached per issuer,
/// refreshed when a token names a key we do not have), the code exchange with PKCE, and the ID token's validation. The
/// client secret is encrypted at rest with ASP.NET Core Data Protection, like the two-factor secrets.
/// </summary>
public sealed class OidcProtocol(IHttpClientFactory httpClients, IDataProtectionProvider protection)
{
    public const string HttpClientName = "oidc";

    /// <summary>Asymmetric signatures only: no <c>none</c>, and no HMAC with the client secret, which the server also knows.</summary>
    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly IDataProtector _secrets = protection.CreateProtector("Parley.Sso.ClientSecrets.v1");
    private readonly ConcurrentDictionary<string, ConfigurationManager<OpenIdConnectConfiguration>> _configurations = new();

    public string Protect(string clientSecret) => _secrets.Protect(clientSecret);

    public string Unprotect(string protectedSecret) => _secrets.Unprotect(protectedSecret);

    /// <summary>HTTPS, except on this machine's loopback (a provider under test, or one behind a local proxy).</summary>
    public static bool IsAcceptableIssuer(string issuer) =>
        Uri.TryCreate(issuer, UriKind.Absolute, out var uri) && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
        && string.IsNullOrEmpty(uri.UserInfo)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)));

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    public async Task<OpenIdConnectConfiguration> DiscoverAsync(string issuer, CancellationToken ct)
    {
        var manager = _configurations.GetOrAdd(issuer, i =>
        {
            var uri = new Uri(i);
            var metadata = i.TrimEnd('/') + "/.well-known/openid-configuration";
            return new ConfigurationManager<OpenIdConnectConfiguration>(metadata, new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever(httpClients.CreateClient(HttpClientName)) { RequireHttps = !IsLoopback(uri) });
        });
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await manager.GetConfigurationAsync(ct);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException or ArgumentException)
        {
            throw new OidcRefusal("oidc-provider-unreachable", $"The provider's discovery document could not be read: {e.Message}");
        }
        // OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer it was fetched for.
        if (!string.Equals(configuration.Issuer?.TrimEnd('/'), issuer.TrimEnd('/'), StringComparison.Ordinal))
            throw new OidcRefusal("oidc-provider-misconfigured", $"The discovery document names issuer {configuration.Issuer}, not {issuer}.");
        if (string.IsNullOrEmpty(configuration.AuthorizationEndpoint) || string.IsNullOrEmpty(configuration.TokenEndpoint))
            throw new OidcRefusal("oidc-provider-misconfigured", "The discovery document names no authorization or token endpoint.");
        return configuration;
    }

    /// <summary>Redeems the authorization code (with the PKCE verifier) for the ID token.</summary>
    public async Task<string> ExchangeCodeAsync(OpenIdConnectConfiguration configuration, OidcProvider provider, string code,
        string redirectUri, string verifier, CancellationToken ct)
    {
        var secret = Unprotect(provider.ProtectedClientSecret);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["code_verifier"] = verifier,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, configuration.TokenEndpoint);
        // client_secret_basic is the default of the specification; client_secret_post only where the provider says it is all it takes.
        var methods = configuration.TokenEndpointAuthMethodsSupported;
        if (methods.Count == 0 || methods.Contains("client_secret_basic"))
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
                $"{Uri.EscapeDataString(provider.ClientId)}:{Uri.EscapeDataString(secret)}")));
        else
        {
            form["client_id"] = provider.ClientId;
            form["client_secret"] = secret;
        }
        request.Content = new FormUrlEncodedContent(form);
        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(HttpClientName).SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new OidcRefusal("oidc-provider-unreachable", $"The provider's token endpoint did not answer: {e.Message}");
        }
        using (response)
        {
            JsonElement body;
            try
            {
                body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            }
            catch (JsonException)
            {
                throw new OidcRefusal("oidc-code-exchange-failed", $"The token endpoint answered {(int)response.StatusCode} without JSON.");
            }
            if (!response.IsSuccessStatusCode || body.ValueKind != JsonValueKind.Object)
                throw new OidcRefusal("oidc-code-exchange-failed",
                    $"The token endpoint refused the code: {(body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var error) ? error.ToString() : ((int)response.StatusCode).ToString())}.");
            if (!body.TryGetProperty("id_token", out var idToken) || idToken.ValueKind != JsonValueKind.String)
                throw new OidcRefusal("oidc-token-invalid", "The token endpoint answered no ID token.");
            return idToken.GetString()!;
        }
    }

    /// <summary>
    /// Checks the ID token's signature against the provider's published keys, its issuer, audience, lifetime and nonce, and
    /// reads the claims the provider settings name.
    /// </summary>
    public async Task<OidcIdentity> ValidateIdTokenAsync(string idToken, OidcProvider provider, string nonce, CancellationToken ct)
    {
        var configuration = await DiscoverAsync(provider.Issuer, ct);
        var result = await ValidateAsync(idToken, configuration, provider);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException && _configurations.TryGetValue(provider.Issuer, out var manager))
        {
            manager.RequestRefresh();   // the provider may have rotated its keys since we read them
            result = await ValidateAsync(idToken, await DiscoverAsync(provider.Issuer, ct), provider);
        }
        if (!result.IsValid)
            throw result.Exception switch
            {
                SecurityTokenInvalidIssuerException => new OidcRefusal("oidc-issuer-invalid", "The ID token was issued by another issuer."),
                SecurityTokenInvalidAudienceException => new OidcRefusal("oidc-audience-invalid", "The ID token was issued for another client."),
                SecurityTokenExpiredException => new OidcRefusal("oidc-token-expired", "The ID token has expired."),
                SecurityTokenNotYetValidException => new OidcRefusal("oidc-token-expired", "The ID token is not valid yet."),
                SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidAlgorithmException
                    => new OidcRefusal("oidc-signature-invalid", "The ID token is not signed by a key the provider publishes."),
                _ => new OidcRefusal("oidc-token-invalid", $"The ID token is not valid: {result.Exception?.GetType().Name}."),
            };
        var token = (JsonWebToken)result.SecurityToken;
        if (!token.TryGetPayloadValue<string>("nonce", out var tokenNonce) || !string.Equals(tokenNonce, nonce, StringComparison.Ordinal))
            throw new OidcRefusal("oidc-nonce-invalid", "The ID token does not answer this sign-in (its nonce differs).");
        if (string.IsNullOrEmpty(token.Subject) || token.Subject.Length > OidcLink.MaxSubjectLength)
            throw new OidcRefusal("oidc-token-invalid", "The ID token names no subject.");

        string? Claim(string type) => type.Length == 0 ? null : token.Claims.FirstOrDefault(c => c.Type == type)?.Value;
        var verified = Claim(provider.EmailVerifiedClaim) is { } v && string.Equals(v, "true", StringComparison.OrdinalIgnoreCase);
        var roles = provider.RoleClaim.Length == 0 ? [] : token.Claims.Where(c => c.Type == provider.RoleClaim).Select(c => c.Value).ToList();
        return new OidcIdentity(token.Issuer, token.Subject, Claim(provider.EmailClaim), verified, Claim(provider.NameClaim), roles);
    }

    private static Task<TokenValidationResult> ValidateAsync(string idToken, OpenIdConnectConfiguration configuration, OidcProvider provider) =>
        new JsonWebTokenHandler().ValidateTokenAsync(idToken, new TokenValidationParameters
        {
            ValidIssuer = configuration.Issuer,
            ValidAudience = provider.ClientId,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromMinutes(2),
            TryAllIssuerSigningKeys = false,
        });
}
