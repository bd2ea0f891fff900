using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;

namespace Parley.Server.Platform;

public static class AuthSetup
{
    public const string Scheme = "ParleyToken";

    public static IServiceCollection AddParleyAuth(this IServiceCollection services)
    {
        services.AddOptions<PasswordOptions>().BindConfiguration(PasswordOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SessionLifetimeOptions>().BindConfiguration(SessionLifetimeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<Features.Accounts.FailedSignIns>();
        services.AddHostedService(sp => sp.GetRequiredService<Features.Accounts.FailedSignIns>());
        services.AddSingleton<SessionCache>();
        services.AddSingleton<Features.TwoFactor.TwoFactorCodes>();
        services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, SessionTokenHandler>(Scheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy("operator", p => p.RequireClaim(ParleyClaims.Operator, "true"));
        return services;
    }
}

/// <summary>
/// Opaque bearer tokens: the database keeps only their SHA-256, bound to a session on a named device.
/// Revoking the session or deactivating the user stops the token on its next request (see <see cref="SessionCache"/>). SignalR sends the token
/// as <c>access_token</c> in the query string on the hub path, the standard way for WebSockets.
/// </summary>
internal sealed class SessionTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IServiceScopeFactory scopes, SessionCache cache, StorageHealth storage, IOptions<SessionLifetimeOptions> sessionOptions,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string ExpiredKey = "parley:session-expired";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = ReadToken();
        if (token is null)
            return AuthenticateResult.NoResult();

        var hash = Secrets.Hash(token);
        var lifetimes = sessionOptions.Value;
        var now = clock.GetUtcNow();
        var session = cache.Find(hash);
        // A cached last use may be older than the stored one (another node may have written it): ask the database
        // before calling a session expired.
        if (session is null || lifetimes.Within(session.Lifetime, session.IdleTimeout).IsExpired(session.CreatedAt, session.LastSeenAt, now))
            session = await LookUpAsync(hash);
        if (session is null)
            return AuthenticateResult.Fail("The token is unknown, revoked, or its account is deactivated.");
        lifetimes = lifetimes.Within(session.Lifetime, session.IdleTimeout);
        if (lifetimes.IsExpired(session.CreatedAt, session.LastSeenAt, now))
        {
            Context.Items[ExpiredKey] = true;
            return AuthenticateResult.Fail("The session has expired.");
        }

        if (now - session.LastSeenAt > lifetimes.SeenResolution)
        {
            var generation = cache.Generation;
            try
            {
                if (!await MarkSeenAsync(session.SessionId, now))
                    return AuthenticateResult.Fail("The token is unknown, revoked, or its account is deactivated.");
            }
            catch (Exception e) when (StorageFull.Is(e, out var area))
            {
                // "Last seen" is a convenience: on a full disk the session stays usable for reading, and the time is
                // written again once the cached entry expires.
                storage.Failed(area, e);
            }
            cache.Store(hash, session with { LastSeenAt = now }, generation);
        }

        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, session.UserId.ToString()),
            new(ParleyClaims.Organization, session.OrganizationId.ToString()),
            new(ClaimTypes.Role, session.Role.ToString()),
            new(ParleyClaims.Session, session.SessionId.ToString()),
        ];
        if (session.IsOperator)
            claims.Add(new(ParleyClaims.Operator, "true"));
        if (session.MustEnrol)
            claims.Add(new(ParleyClaims.MustEnrol, "true"));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, AuthSetup.Scheme));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, AuthSetup.Scheme));
    }

    /// <summary>Moves the session's last-seen time; false when the session was revoked meanwhile.</summary>
    private async Task<bool> MarkSeenAsync(Guid sessionId, DateTimeOffset now)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        await using var tx = await db.BeginWriteAsync(Context.RequestAborted);
        var stillValid = await db.Sessions.Where(s => s.Id == sessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.LastSeenAt, now), Context.RequestAborted);
        await tx.CommitAsync(Context.RequestAborted);
        return stillValid > 0;
    }

    /// <summary>An expired session gets its own code, so that a client can say why it asks to sign in again.</summary>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (!Context.Items.ContainsKey(ExpiredKey))
        {
            await base.HandleChallengeAsync(properties);
            return;
        }
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized, Title = "Your session has expired. Sign in again.",
                Type = "/problems/session-expired", Extensions = { ["code"] = "session-expired" },
            },
        });
    }

    /// <summary>
    /// The database's answer, remembered for the next requests of the same token. The context comes from a scope of
    /// its own, returned to the pool at once: a hub connection's request lives as long as the connection, and would
    /// otherwise hold a database context for hours.
    /// </summary>
    private static TimeSpan? Minutes(int? minutes) => minutes is { } m ? TimeSpan.FromMinutes(m) : null;

    private async Task<CachedSession?> LookUpAsync(string hash)
    {
        var generation = cache.Generation;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var row = await db.Sessions
            .Where(s => s.TokenHash == hash && s.RevokedAt == null)
            .Join(db.Users, s => s.UserId, u => u.Id, (s, u) => new { s.Id, s.CreatedAt, s.LastSeenAt, User = u })
            .Where(x => x.User.DeactivatedAt == null)
            .Join(db.Organizations, x => x.User.OrganizationId, o => o.Id, (x, o) => new
            {
                x.Id,
                x.CreatedAt,
                x.LastSeenAt,
                UserId = x.User.Id,
                x.User.OrganizationId,
                x.User.Role,
                x.User.IsOperator,
                o.SuspendedAt,
                MustEnrol = o.TwoFactorRequired && !db.TwoFactorSecrets.Any(t => t.UserId == x.User.Id && t.ConfirmedAt != null),
                Policy = db.OrganizationPolicies.Where(p => p.OrganizationId == o.Id)
                    .Select(p => new { p.SessionLifetimeMinutes, p.IdleTimeoutMinutes }).FirstOrDefault(),
            })
            .AsNoTracking()
            .SingleOrDefaultAsync(Context.RequestAborted);
        if (row is null || row.SuspendedAt is not null)
            return null;
        var session = new CachedSession(row.Id, row.UserId, row.OrganizationId, row.Role, row.IsOperator, row.CreatedAt, row.LastSeenAt, row.MustEnrol,
            Minutes(row.Policy?.SessionLifetimeMinutes), Minutes(row.Policy?.IdleTimeoutMinutes));
        cache.Store(hash, session, generation);
        return session;
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
