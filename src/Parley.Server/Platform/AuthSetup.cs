using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;

namespace Parley.Server.Platform;

public static class AuthSetup
{
    public const string Scheme = "ParleyToken";

    public static IServiceCollection AddParleyAuth(this IServiceCollection services)
    {
        services.AddOptions<PasswordOptions>().BindConfiguration(PasswordOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<LoginThrottle>();
        services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, SessionTokenHandler>(Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy("operator", p => p.RequireClaim(ParleyClaims.Operator, "true"));
        return services;
    }
}

/// <summary>
/// Opaque bearer tokens: the database keeps only their SHA-256, bound to a session on a named device.
/// Revoking the session or deactivating the user stops the token on its next request. SignalR sends the token
/// as <c>access_token</c> in the query string on the hub path, the standard way for WebSockets.
/// </summary>
internal sealed class SessionTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ParleyDb db, TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private static readonly TimeSpan SeenResolution = TimeSpan.FromMinutes(5);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken();
        if (token is null)
            return AuthenticateResult.NoResult();

        var hash = Secrets.Hash(token);
        var session = await db.Sessions
            .Where(s => s.TokenHash == hash && s.RevokedAt == null)
            .Join(db.Users, s => s.UserId, u => u.Id, (s, u) => new { s.Id, s.LastSeenAt, User = u })
            .Where(x => x.User.DeactivatedAt == null)
            .Join(db.Organizations, x => x.User.OrganizationId, o => o.Id, (x, o) => new { x.Id, x.LastSeenAt, x.User, o.SuspendedAt })
            .AsNoTracking()
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (session is null || session.SuspendedAt is not null)
            return AuthenticateResult.Fail("The token is unknown, revoked, or its account is deactivated.");

        var now = clock.GetUtcNow();
        if (now - session.LastSeenAt > SeenResolution)
        {
            await using var tx = await db.BeginWriteAsync(Context.RequestAborted);
            await db.Sessions.Where(s => s.Id == session.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now), Context.RequestAborted);
            await tx.CommitAsync(Context.RequestAborted);
        }

        var user = session.User;
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ParleyClaims.Organization, user.OrganizationId.ToString()),
            new(ClaimTypes.Role, user.Role.ToString()),
            new(ParleyClaims.Session, session.Id.ToString()),
        ];
        if (user.IsOperator)
            claims.Add(new(ParleyClaims.Operator, "true"));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, AuthSetup.Scheme));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, AuthSetup.Scheme));
    }

    private string? ReadToken()
    {
        string? header = Request.Headers.Authorization;
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header["Bearer ".Length..].Trim() is { Length: > 0 and < 200 } t ? t : null;
        if (Request.Path.StartsWithSegments("/hubs") && Request.Query["access_token"] is [{ Length: > 0 and < 200 } query])
            return query;
        return null;
    }
}
