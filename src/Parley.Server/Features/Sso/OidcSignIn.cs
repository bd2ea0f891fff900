using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;

namespace Parley.Server.Features.Sso;

/// <summary>
/// What the start of a sign-in leaves in the browser for its callback, encrypted and valid ten minutes: the organization,
/// the <c>state</c>, the <c>nonce</c> and the PKCE verifier. Bound to the browser that started, so a callback link sent to
/// someone else opens nothing.
/// </summary>
public sealed class OidcStateCookie(IDataProtectionProvider protection, TimeProvider clock)
{
    public const string Name = "parley_sso";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("Parley.Sso.State.v1").ToTimeLimitedDataProtector();

    public sealed record Pending(Guid OrganizationId, string State, string Nonce, string Verifier);

    public void Write(HttpContext http, Pending pending) =>
        http.Response.Cookies.Append(Name, _protector.Protect(JsonSerializer.Serialize(pending), clock.GetUtcNow() + Lifetime), Options(http));

    public Pending? Take(HttpContext http)
    {
        var value = http.Request.Cookies[Name];
        http.Response.Cookies.Delete(Name, Options(http));
        if (value is null)
            return null;
        try
        {
            return JsonSerializer.Deserialize<Pending>(_protector.Unprotect(value, out var expiresAt)) is { } p && expiresAt > clock.GetUtcNow() ? p : null;
        }
        catch (Exception e) when (e is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The ticket also goes into a cookie of this browser, and the exchange needs both: a link carrying someone else's
    /// ticket cannot sign a person in to an account that is not theirs.
    /// </summary>
    public static void BindTicket(HttpContext http, string ticket)
    {
        var options = Options(http);
        options.MaxAge = SsoTicket.Lifetime;
        http.Response.Cookies.Append(TicketName, ticket, options);
    }

    public static bool TakeBoundTicket(HttpContext http, string ticket)
    {
        var bound = http.Request.Cookies[TicketName];
        http.Response.Cookies.Delete(TicketName, Options(http));
        return bound is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(bound), Encoding.UTF8.GetBytes(ticket));
    }

    private const string TicketName = "parley_sso_ticket";

    // Lax: the provider's redirect back is a top-level GET from another site, which Strict would strip the cookie from.
    private static CookieOptions Options(HttpContext http) => new()
    {
        HttpOnly = true,
        Secure = http.Request.IsHttps,
        SameSite = SameSiteMode.Lax,
        Path = "/api/v1/auth/oidc",
        IsEssential = true,
    };
}

public static class OidcSignIn
{
    /// <summary>Where the provider sends the browser back; the provider's settings must list it exactly.</summary>
    public static string RedirectUri(HttpRequest request, Guid organizationId) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}/api/v1/auth/oidc/{organizationId}/callback";

    /// <summary>The web client's address for the end of a sign-in; a fragment, so that no server or proxy log sees it.</summary>
    private static RedirectHttpResult ToClient(HttpRequest request, string fragment) =>
        TypedResults.Redirect($"{request.PathBase}/#{fragment}");

    /// <summary>Sends the browser to the organization's provider, with PKCE (S256), a state and a nonce.</summary>
    public static async Task<RedirectHttpResult> StartAsync(Guid organizationId, ParleyDb db, OidcProtocol protocol, OidcStateCookie cookie,
        ILogger<OidcProtocol> log, HttpContext http, CancellationToken ct)
    {
        var provider = await db.OidcProviders.AsNoTracking()
            .Where(p => p.OrganizationId == organizationId && db.Organizations.Any(o => o.Id == organizationId && o.SuspendedAt == null))
            .SingleOrDefaultAsync(ct);
        if (provider is null)
            return ToClient(http.Request, "sso-error=oidc-not-available");
        Microsoft.IdentityModel.Protocols.OpenIdConnect.OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await protocol.DiscoverAsync(provider.Issuer, ct);
        }
        catch (OidcRefusal refusal)
        {
            log.LogWarning("Single sign-on for organization {OrganizationId} cannot start: {Reason}", organizationId, refusal.Message);
            return ToClient(http.Request, $"sso-error={refusal.Code}");
        }
        var pending = new OidcStateCookie.Pending(organizationId, Secrets.NewToken(), Secrets.NewToken(), Secrets.NewToken());
        cookie.Write(http, pending);
        var challenge = Secrets.Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(pending.Verifier)));
        var scopes = OidcProvider.Split(provider.Scopes).Prepend("openid").Distinct(StringComparer.Ordinal);
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = "code",
            ["client_id"] = provider.ClientId,
            ["redirect_uri"] = RedirectUri(http.Request, organizationId),
            ["scope"] = string.Join(' ', scopes),
            ["state"] = pending.State,
            ["nonce"] = pending.Nonce,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
        };
        return TypedResults.Redirect(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(configuration.AuthorizationEndpoint, query));
    }

    /// <summary>
    /// The provider's answer: the code is exchanged, the ID token checked, the account found (by its link, else by verified
    /// email, else created where the organization allows it) and a single-use ticket handed to the web client, which
    /// exchanges it for a session like a password (<see cref="CompleteSsoSignIn"/>). Every refusal is audited and ends on
    /// the sign-in screen with its code.
    /// </summary>
    public static async Task<RedirectHttpResult> CallbackAsync(Guid organizationId, string? code, string? state, string? error,
        ParleyDb db, OidcProtocol protocol, OidcStateCookie cookie, OidcAccounts accounts, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        var pending = cookie.Take(http);
        var provider = await db.OidcProviders.AsNoTracking().SingleOrDefaultAsync(p => p.OrganizationId == organizationId, ct);
        if (provider is null)
            return ToClient(http.Request, "sso-error=oidc-not-available");
        try
        {
            if (pending is null || pending.OrganizationId != organizationId || state is null
                || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(pending.State), Encoding.UTF8.GetBytes(state)))
                throw new OidcRefusal("oidc-state-invalid", "This sign-in was not started in this browser, or it took more than ten minutes.");
            if (error is not null || string.IsNullOrEmpty(code))
                throw new OidcRefusal("oidc-provider-refused", $"The provider answered {error ?? "no code"}.");
            var configuration = await protocol.DiscoverAsync(provider.Issuer, ct);
            var idToken = await protocol.ExchangeCodeAsync(configuration, provider, code, RedirectUri(http.Request, organizationId),
                pending.Verifier, ct);
            var identity = await protocol.ValidateIdTokenAsync(idToken, provider, pending.Nonce, ct);
            var ticket = await accounts.SignInAsync(provider, identity, http, ct);
            OidcStateCookie.BindTicket(http, ticket);
            return ToClient(http.Request, $"sso={ticket}");
        }
        catch (OidcRefusal refusal)
        {
            await AuditRefusalAsync(db, organizationId, refusal, refusal.UserId, http.ClientAddress(), clock.GetUtcNow(), ct);
            return ToClient(http.Request, $"sso-error={refusal.Code}");
        }
    }

    internal static async Task AuditRefusalAsync(ParleyDb db, Guid organizationId, OidcRefusal refusal, Guid? userId, string? address,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(organizationId, AuditAction.SsoSignInFailed, userId, userId is null ? "organization" : "user",
            (userId ?? organizationId).ToString(), new { reason = refusal.Code, detail = refusal.Message }, address, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }
}

public static class CompleteSsoSignIn
{
    public sealed record Request
    {
        /// <summary>The <c>sso</c> value of the fragment the sign-in ended on.</summary>
        [Required, StringLength(100), UserText.Verbatim] public string Ticket { get; init; } = "";

        /// <summary>Shown in the user's list of signed-in devices, as in a password sign-in.</summary>
        [Required, StringLength(Session.MaxDeviceNameLength, MinimumLength = 1)] public string DeviceName { get; init; } = "";
    }

    /// <summary>
    /// Exchanges the ticket once, in the browser the sign-in ended in (its cookie), for what a password sign-in answers: a
    /// session, or a second-factor challenge.
    /// </summary>
    public static async Task<Results<Ok<LoginResultDto>, ProblemHttpResult>> HandleAsync(Request request, ParleyDb db, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var hash = Secrets.Hash(request.Ticket);
        if (!OidcStateCookie.TakeBoundTicket(http, request.Ticket))
            return Problems.Of(401, "sso-ticket-invalid", "This sign-in has expired or was already used. Sign in again.");
        await using var tx = await db.BeginWriteAsync(ct);
        var taken = await db.SsoTickets.Where(t => t.TokenHash == hash && t.UsedAt == null && t.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct);
        var account = taken == 0 ? null : await db.SsoTickets.Where(t => t.TokenHash == hash)
            .Join(db.Users, t => t.UserId, u => u.Id, (t, u) => u)
            .Join(db.Organizations, u => u.OrganizationId, o => o.Id, (u, o) => new { User = u, Organization = o })
            .SingleOrDefaultAsync(ct);
        if (account is null || !account.User.IsActive || account.Organization.SuspendedAt is not null)
            return Problems.Of(401, "sso-ticket-invalid", "This sign-in has expired or was already used. Sign in again.");
        await db.SsoTickets.Where(t => t.UserId == account.User.Id && (t.ExpiresAt <= now || t.UsedAt != null)).ExecuteDeleteAsync(ct);
        return await db.FinishSignInAsync(tx, account.User, account.Organization, request.DeviceName, http.ClientAddress(), now, "oidc", ct);
    }
}

/// <summary>One organization whose provider signs in people of an email's domain.</summary>
public sealed record SsoOptionDto(Guid OrganizationId, string ProviderName, bool PasswordSignInAllowed);

public sealed record SsoOptionsDto(List<SsoOptionDto> Options);

public static class FindSsoOptions
{
    public sealed record Request
    {
        [Required, StringLength(User.MaxEmailLength)] public string Email { get; init; } = "";
    }

    /// <summary>
    /// The providers that accept this email's domain. The sign-in screen asks once the email is typed: it learns nothing
    /// about organizations whose allowed domains do not include it.
    /// </summary>
    public static async Task<Ok<SsoOptionsDto>> HandleAsync(Request request, ParleyDb db, CancellationToken ct)
    {
        var at = request.Email.LastIndexOf('@');
        var domain = at < 0 ? "" : request.Email[(at + 1)..].Trim().ToLowerInvariant();
        if (domain.Length == 0 || domain.Contains(' '))
            return TypedResults.Ok(new SsoOptionsDto([]));
        var padded = " " + domain + " ";
        var options = await db.OidcProviders.AsNoTracking()
            .Where(p => (" " + p.AllowedDomains + " ").Contains(padded))
            .Join(db.Organizations.Where(o => o.SuspendedAt == null), p => p.OrganizationId, o => o.Id,
                (p, o) => new SsoOptionDto(o.Id, p.DisplayName, o.PasswordSignInAllowed))
            .ToListAsync(ct);
        return TypedResults.Ok(new SsoOptionsDto(options.OrderBy(o => o.ProviderName, StringComparer.Ordinal).ToList()));
    }
}
