using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Sso;

/// <summary>An organization's OpenID Connect provider as admins see it. The client secret is never returned.</summary>
/// <param name="RedirectUri">The address to register at the provider as the client's redirect (callback) URI.</param>
/// <param name="JustInTime"><c>match-verified-email</c> or <c>create-accounts</c>.</param>
public sealed record OidcProviderDto(string DisplayName, string Issuer, string ClientId, bool HasClientSecret, List<string> Scopes,
    string NameClaim, string EmailClaim, string EmailVerifiedClaim, string RoleClaim, List<string> AdminRoleValues,
    List<string> GuestRoleValues, string JustInTime, List<string> AllowedDomains, string RedirectUri, DateTimeOffset UpdatedAt);

public static partial class OidcProviderSettings
{
    public const string MatchVerifiedEmail = "match-verified-email", CreateAccounts = "create-accounts";

    public sealed record Request
    {
        /// <summary>Shown on the sign-in button: "Sign in with …".</summary>
        [Required, StringLength(OidcProvider.MaxNameLength, MinimumLength = 1)] public string DisplayName { get; init; } = "";

        /// <summary>The provider's issuer URL (HTTPS), where <c>/.well-known/openid-configuration</c> is found.</summary>
        [Required, StringLength(OidcProvider.MaxUrlLength), UserText.Verbatim] public string Issuer { get; init; } = "";
        [Required, StringLength(OidcProvider.MaxClientIdLength, MinimumLength = 1), UserText.Verbatim] public string ClientId { get; init; } = "";

        /// <summary>Required the first time; left out (null) afterwards, the stored one is kept. Never returned.</summary>
        [StringLength(1000, MinimumLength = 1), UserText.Verbatim] public string? ClientSecret { get; init; }

        /// <summary>Default <c>openid email profile</c>; <c>openid</c> is always sent.</summary>
        public List<string>? Scopes { get; init; }
        [StringLength(OidcProvider.MaxClaimLength), UserText.Verbatim] public string? NameClaim { get; init; }
        [StringLength(OidcProvider.MaxClaimLength), UserText.Verbatim] public string? EmailClaim { get; init; }
        [StringLength(OidcProvider.MaxClaimLength), UserText.Verbatim] public string? EmailVerifiedClaim { get; init; }

        /// <summary>Empty or left out: roles are not mapped.</summary>
        [StringLength(OidcProvider.MaxClaimLength), UserText.Verbatim] public string? RoleClaim { get; init; }
        public List<string>? AdminRoleValues { get; init; }
        public List<string>? GuestRoleValues { get; init; }

        /// <summary><c>match-verified-email</c> or <c>create-accounts</c>.</summary>
        [Required] public string JustInTime { get; init; } = "";

        /// <summary>At least one: only emails of these domains are matched or created, and they show the sign-in button.</summary>
        [Required] public List<string> AllowedDomains { get; init; } = [];
    }

    public static async Task<Results<Ok<OidcProviderDto>, ProblemHttpResult>> GetAsync(CurrentUser me, ParleyDb db, HttpContext http,
        CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return Problems.Forbidden("admin-only", "Only admins can see the single sign-on settings.");
        var provider = await db.OidcProviders.AsNoTracking().SingleOrDefaultAsync(p => p.OrganizationId == me.OrganizationId, ct);
        return provider is null ? Problems.Of(404, "sso-not-configured", "This organization has no single sign-on provider.")
            : TypedResults.Ok(ToDto(provider, http.Request));
    }

    /// <summary>Admins only; audited (never with the secret).</summary>
    public static async Task<Results<Ok<OidcProviderDto>, ProblemHttpResult>> PutAsync(Request request, CurrentUser me, ParleyDb db,
        OidcProtocol protocol, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return Problems.Forbidden("admin-only", "Only admins can change the single sign-on settings.");
        if (Check(request) is { } invalid)
            return invalid;
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var provider = await db.OidcProviders.SingleOrDefaultAsync(p => p.OrganizationId == me.OrganizationId, ct);
        if (provider is null && request.ClientSecret is null)
            return Invalid("clientSecret", "Give the client secret the provider issued for Parley.");
        if (provider is null)
        {
            provider = new OidcProvider(me.OrganizationId, now);
            db.OidcProviders.Add(provider);
        }
        provider.DisplayName = request.DisplayName.Trim();
        provider.Issuer = request.Issuer.Trim();
        provider.ClientId = request.ClientId.Trim();
        if (request.ClientSecret is not null)
            provider.ProtectedClientSecret = protocol.Protect(request.ClientSecret);
        provider.Scopes = string.Join(' ', request.Scopes ?? ["openid", "email", "profile"]);
        provider.NameClaim = Claim(request.NameClaim, "name");
        provider.EmailClaim = Claim(request.EmailClaim, "email");
        provider.EmailVerifiedClaim = Claim(request.EmailVerifiedClaim, "email_verified");
        provider.RoleClaim = request.RoleClaim?.Trim() ?? "";
        provider.AdminRoleValues = string.Join('\n', request.AdminRoleValues ?? []);
        provider.GuestRoleValues = string.Join('\n', request.GuestRoleValues ?? []);
        provider.JustInTime = request.JustInTime == CreateAccounts ? JustInTimeRule.CreateAccounts : JustInTimeRule.MatchVerifiedEmail;
        provider.AllowedDomains = string.Join(' ', request.AllowedDomains.Select(d => d.Trim().ToLowerInvariant()).Distinct());
        provider.UpdatedAt = now;
        var dto = ToDto(provider, http.Request);
        await db.AuditAsync(me, AuditAction.SsoProviderChanged, "organization", me.OrganizationId.ToString(),
            new
            {
                dto.DisplayName,
                dto.Issuer,
                dto.ClientId,
                secretChanged = request.ClientSecret is not null,
                dto.Scopes,
                dto.JustInTime,
                dto.AllowedDomains,
                dto.RoleClaim,
            }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(dto);
    }

    /// <summary>Admins only; audited. Refused while password sign-in is off: nobody could sign in any more.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(CurrentUser me, ParleyDb db, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return Problems.Forbidden("admin-only", "Only admins can change the single sign-on settings.");
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var provider = await db.OidcProviders.SingleOrDefaultAsync(p => p.OrganizationId == me.OrganizationId, ct);
        if (provider is null)
            return Problems.Of(404, "sso-not-configured", "This organization has no single sign-on provider.");
        if (!await db.Organizations.Where(o => o.Id == me.OrganizationId).Select(o => o.PasswordSignInAllowed).SingleAsync(ct))
            return Problems.Conflict("password-sign-in-disabled", "Allow password sign-in again before removing the single sign-on provider.");
        db.OidcProviders.Remove(provider);
        await db.AuditAsync(me, AuditAction.SsoProviderRemoved, "organization", me.OrganizationId.ToString(),
            new { provider.Issuer, provider.ClientId }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static OidcProviderDto ToDto(OidcProvider p, HttpRequest request) => new(p.DisplayName, p.Issuer, p.ClientId,
        p.ProtectedClientSecret.Length > 0, [.. OidcProvider.Split(p.Scopes)], p.NameClaim, p.EmailClaim, p.EmailVerifiedClaim, p.RoleClaim,
        [.. OidcProvider.Lines(p.AdminRoleValues)], [.. OidcProvider.Lines(p.GuestRoleValues)],
        p.JustInTime == JustInTimeRule.CreateAccounts ? CreateAccounts : MatchVerifiedEmail, [.. OidcProvider.Split(p.AllowedDomains)],
        OidcSignIn.RedirectUri(request, p.OrganizationId), p.UpdatedAt);

    private static string Claim(string? given, string fallback) => string.IsNullOrWhiteSpace(given) ? fallback : given.Trim();

    private static ProblemHttpResult? Check(Request r)
    {
        if (!OidcProtocol.IsAcceptableIssuer(r.Issuer.Trim()))
            return Invalid("issuer", "The issuer is the provider's HTTPS address, such as https://login.example.com/realms/acme.");
        if (r.JustInTime is not (MatchVerifiedEmail or CreateAccounts))
            return Invalid("justInTime", $"Choose {MatchVerifiedEmail} or {CreateAccounts}.");
        if (r.AllowedDomains.Count is 0 or > 50 || r.AllowedDomains.Any(d => !Domain().IsMatch(d.Trim().ToLowerInvariant())))
            return Invalid("allowedDomains", "List 1 to 50 email domains, such as example.com.");
        if (string.Join(' ', r.AllowedDomains).Length > OidcProvider.MaxDomainsLength)
            return Invalid("allowedDomains", "The list of domains is too long.");
        if (r.Scopes is { } scopes && (scopes.Count > 20 || scopes.Any(s => !Token().IsMatch(s)) || string.Join(' ', scopes).Length > OidcProvider.MaxScopesLength))
            return Invalid("scopes", "Scopes are up to 20 words without spaces, such as openid, email, profile.");
        foreach (var (field, value) in new[] { ("nameClaim", r.NameClaim), ("emailClaim", r.EmailClaim), ("emailVerifiedClaim", r.EmailVerifiedClaim), ("roleClaim", r.RoleClaim) })
            if (!string.IsNullOrWhiteSpace(value) && !Token().IsMatch(value.Trim()))
                return Invalid(field, "A claim is named by one word without spaces, such as email or groups.");
        foreach (var (field, values) in new[] { ("adminRoleValues", r.AdminRoleValues), ("guestRoleValues", r.GuestRoleValues) })
            if (values is not null && (values.Count > 50 || values.Any(v => v.Trim().Length is 0 or > 200 || v.Any(char.IsControl))
                || string.Join('\n', values).Length > OidcProvider.MaxRoleValuesLength))
                return Invalid(field, "Role values are up to 50 names of 1 to 200 characters.");
        return null;
    }

    private static ProblemHttpResult Invalid(string field, string title) =>
        Problems.Of(400, "sso-settings-invalid", title, new() { ["field"] = field });

    [GeneratedRegex(@"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")]
    private static partial Regex Domain();

    [GeneratedRegex(@"^[\x21-\x7E]{1,100}$")]
    private static partial Regex Token();
}

public sealed record PasswordSignInPolicyDto(bool Allowed);

public static class PasswordSignInPolicy
{
    public sealed record Request
    {
        [Required] public bool? Allowed { get; init; }
    }

    public static async Task<Ok<PasswordSignInPolicyDto>> GetAsync(CurrentUser me, ParleyDb db, CancellationToken ct) =>
        TypedResults.Ok(new PasswordSignInPolicyDto(
            await db.Organizations.Where(o => o.Id == me.OrganizationId).Select(o => o.PasswordSignInAllowed).SingleAsync(ct)));

    /// <summary>Admins only; audited. Turning it off needs a single sign-on provider, or nobody could sign in.</summary>
    public static async Task<Results<Ok<PasswordSignInPolicyDto>, ProblemHttpResult>> SetAsync(Request request, CurrentUser me, ParleyDb db,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return Problems.Forbidden("admin-only", "Only admins can change organization settings.");
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var org = await db.Organizations.SingleAsync(o => o.Id == me.OrganizationId, ct);
        if (request.Allowed == false && !await db.OidcProviders.AnyAsync(p => p.OrganizationId == org.Id, ct))
            return Problems.Conflict("sso-not-configured", "Set up a single sign-on provider before turning password sign-in off.");
        await db.AuditAsync(me, AuditAction.OrganizationSettingsChanged, "organization", org.Id.ToString(),
            new { setting = "passwordSignInAllowed", before = org.PasswordSignInAllowed, after = request.Allowed!.Value }, http, now, ct);
        org.AllowPasswordSignIn(request.Allowed.Value);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new PasswordSignInPolicyDto(org.PasswordSignInAllowed));
    }
}
