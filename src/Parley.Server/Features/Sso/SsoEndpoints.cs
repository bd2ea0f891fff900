using Parley.Server.Platform;

namespace Parley.Server.Features.Sso;

public static class SsoEndpoints
{
    public static IServiceCollection AddParleySso(this IServiceCollection services)
    {
        services.AddHttpClient(OidcProtocol.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddSingleton<OidcProtocol>();
        services.AddSingleton<OidcStateCookie>();
        services.AddScoped<OidcAccounts>();
        return services;
    }

    public static void MapSsoEndpoints(this RouteGroupBuilder api)
    {
        var signIn = api.MapGroup("/auth/oidc").WithTags("Single sign-on").AllowAnonymous();
        signIn.MapPost("/discover", FindSsoOptions.HandleAsync).RequireRateLimiting(RateLimits.Login)
            .WithSummary("Find the single sign-on providers for an email")
            .WithDescription("The organizations whose provider accepts this email's domain (their allowed domains), with the " +
                "provider's name for the button and whether password sign-in is still allowed there. Nothing is said about " +
                "organizations whose domains do not include it.")
            .WithProblems(400, 429);
        signIn.MapGet("/{organizationId:guid}/start", OidcSignIn.StartAsync).RequireRateLimiting(RateLimits.Login)
            .WithSummary("Start signing in through the organization's provider")
            .WithDescription("A browser navigation: redirects to the provider (authorization code flow, PKCE S256, state and nonce). " +
                "Where it cannot, redirects to the web client with `#sso-error={code}`.")
            .WithProblems(404, 429);
        signIn.MapGet("/{organizationId:guid}/callback", OidcSignIn.CallbackAsync)
            .WithSummary("The provider's redirect back")
            .WithDescription("Exchanges the code, validates the ID token (signature against the provider's keys, issuer, audience, " +
                "expiry, nonce), finds or creates the account and redirects to the web client with `#sso={ticket}`, or " +
                "`#sso-error={code}` (docs/problems.md); refusals are audited.")
            .WithProblems(404);
        signIn.MapPost("/complete", CompleteSsoSignIn.HandleAsync).RequireRateLimiting(RateLimits.Login)
            .WithSummary("Finish a single sign-on")
            .WithDescription("The ticket of `#sso={ticket}` (single use, valid 2 minutes, only from the browser the sign-in ended in, " +
                "which holds its cookie) opens a session: the answer is the same as " +
                "a password sign-in's, including 401 `second-factor-required` for a person with two-factor on.")
            .WithProblems(400, 401, 429);

        var settings = api.MapGroup("/organization/sso").WithTags("Organization");
        settings.MapGet("/", OidcProviderSettings.GetAsync)
            .WithSummary("Get the single sign-on provider")
            .WithDescription("Admins only. The client secret is never returned; `hasClientSecret` says one is stored.")
            .WithProblems(403, 404);
        settings.MapPut("/", OidcProviderSettings.PutAsync)
            .WithSummary("Set the single sign-on provider")
            .WithDescription("Admins only; audited. The client secret is stored encrypted; leave it out to keep the stored one.")
            .WithProblems(400, 403);
        settings.MapDelete("/", OidcProviderSettings.DeleteAsync)
            .WithSummary("Remove the single sign-on provider")
            .WithDescription("Admins only; audited. Refused (409 `password-sign-in-disabled`) while password sign-in is off.")
            .WithProblems(403, 404, 409);
        api.MapGet("/organization/password-sign-in", PasswordSignInPolicy.GetAsync).WithTags("Organization")
            .WithSummary("Get whether people may sign in with a password");
        api.MapPut("/organization/password-sign-in", PasswordSignInPolicy.SetAsync).WithTags("Organization")
            .WithSummary("Allow or refuse password sign-in")
            .WithDescription("Admins only; audited. Off, a right password answers 403 `password-sign-in-disabled`; it needs a single " +
                "sign-on provider first (409 `sso-not-configured`).")
            .WithProblems(403, 409);
    }
}
