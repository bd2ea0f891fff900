using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Platform;

namespace Parley.Server.Features.Scim;

public static class ScimEndpoints
{
    /// <summary>The admin's side: making and revoking the organization's provisioning tokens, under /api/v1.</summary>
    public static void MapScimTokenEndpoints(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/organization/scim-tokens").WithTags("Provisioning (SCIM)");
        tokens.MapGet("/", ListScimTokens.HandleAsync)
            .WithSummary("List provisioning tokens")
            .WithDescription("Admins only. The tokens themselves are never shown again; only their names and dates.")
            .WithProblems(403);
        tokens.MapPost("/", CreateScimToken.HandleAsync)
            .WithSummary("Make a provisioning token")
            .WithDescription("Admins only; audited. The answer holds the bearer token, shown this once, and the tenant URL to give " +
                "the directory (Entra ID, Okta). The token acts on this organization only, through /scim/v2.")
            .WithProblems(403);
        tokens.MapDelete("/{tokenId:guid}", RevokeScimToken.HandleAsync)
            .WithSummary("Revoke a provisioning token")
            .WithDescription("Admins only; audited. The directory's next request with it answers 401.")
            .WithProblems(403);
    }

    /// <summary>
    /// The directory's side, RFC 7644 at /scim/v2: its own bearer tokens (<see cref="ScimToken"/>), its own media type and
    /// error format. Left out of the OpenAPI document: the RFCs and docs/identity.md describe it.
    /// </summary>
    public static void MapScimEndpoints(this IEndpointRouteBuilder app)
    {
        var scim = app.MapGroup("/scim/v2").ExcludeFromDescription().AddEndpointFilter(AuthenticateAndAnswerErrorsAsync);
        scim.MapGet("/ServiceProviderConfig", ScimDiscovery.ServiceProviderConfig);
        scim.MapGet("/ResourceTypes", ScimDiscovery.ResourceTypes);
        scim.MapGet("/ResourceTypes/{name}", ScimDiscovery.ResourceType);
        scim.MapGet("/Schemas", ScimDiscovery.Schemas);
        scim.MapGet("/Schemas/{urn}", ScimDiscovery.Schema);

        scim.MapGet("/Users", ScimUsers.ListAsync);
        scim.MapPost("/Users", ScimUsers.CreateAsync);
        scim.MapGet("/Users/{id}", ScimUsers.GetAsync);
        scim.MapPut("/Users/{id}", ScimUsers.ReplaceAsync);
        scim.MapPatch("/Users/{id}", ScimUsers.PatchAsync);
        scim.MapDelete("/Users/{id}", ScimUsers.DeleteAsync);

        scim.MapGet("/Groups", ScimGroups.ListAsync);
        scim.MapPost("/Groups", ScimGroups.CreateAsync);
        scim.MapGet("/Groups/{id}", ScimGroups.GetAsync);
        scim.MapPut("/Groups/{id}", ScimGroups.ReplaceAsync);
        scim.MapPatch("/Groups/{id}", ScimGroups.PatchAsync);
        scim.MapDelete("/Groups/{id}", ScimGroups.DeleteAsync);

        // Anything else under /scim/v2 (a resource type Parley lacks, /Bulk, /Me, a wrong method) in SCIM's words too.
        scim.Map("/{**rest}", () => Task.FromException<IResult>(new ScimException(404, null, "Parley has no such SCIM endpoint.")));
    }

    /// <summary>
    /// Accepts only a live provisioning token of a live organization, then answers every failure as a SCIM error: the
    /// handlers' <see cref="ScimException"/>, a domain rule (an invalid email, a name too long), a body too large.
    /// </summary>
    private static async ValueTask<object?> AuthenticateAndAnswerErrorsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        try
        {
            http.Items[ScimCaller.Key] = await AuthenticateAsync(http)
                ?? throw new ScimException(401, null, "Send a valid provisioning token of this organization as a bearer token.");
            return await next(context);
        }
        catch (ScimException e)
        {
            if (e.Status == 401)
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"scim\"";
            return ScimResult.Error(e.Status, e.ScimType, e.Message);
        }
        catch (DomainException e)
        {
            return ScimResult.Error(e.Status == 409 ? 409 : 400, e.Status == 409 ? "uniqueness" : "invalidValue", e.Message);
        }
        catch (BadHttpRequestException e)
        {
            return ScimResult.Error(e.StatusCode, e.StatusCode == 400 ? "invalidSyntax" : null, "The request could not be read.");
        }
    }

    private static async Task<ScimCaller?> AuthenticateAsync(HttpContext http)
    {
        string? header = http.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header["Bearer ".Length..].Trim() is not { Length: > 0 and < 200 } token)
            return null;
        var db = http.RequestServices.GetRequiredService<ParleyDb>();
        var hash = Secrets.Hash(token);
        var row = await db.ScimTokens.Where(t => t.TokenHash == hash && t.RevokedAt == null)
            .Join(db.Organizations, t => t.OrganizationId, o => o.Id, (t, o) => new { t.Id, t.OrganizationId, t.Name, o.SuspendedAt })
            .AsNoTracking().SingleOrDefaultAsync(http.RequestAborted);
        return row is null || row.SuspendedAt is not null ? null : new ScimCaller(row.Id, row.OrganizationId, row.Name);
    }
}
