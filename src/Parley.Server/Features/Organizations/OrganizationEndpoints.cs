using Parley.Server.Platform;

namespace Parley.Server.Features.Organizations;

public static class OrganizationEndpoints
{
    public static void MapOrganizationEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/setup", CompleteSetup.HandleAsync).AllowAnonymous().RequireRateLimiting(RateLimits.Login).WithTags("Setup")
            .WithSummary("Create the first organization and its owner")
            .WithDescription("Only on an empty deployment, with the one-time token the server prints on its first start. The owner " +
                "becomes the deployment's operator.")
            .WithProblems(404);
        var org = api.MapGroup("/organization").WithTags("Organization");
        org.MapGet("/", GetOrganization.HandleAsync)
            .WithSummary("Get your organization");
        org.MapPatch("/", RenameOrganization.HandleAsync)
            .WithSummary("Rename your organization")
            .WithDescription("Admins only; audited.")
            .WithProblems(403);
        api.MapPost("/operator/organizations", CreateOrganization.HandleAsync).RequireAuthorization("operator").WithTags("Operator")
            .WithSummary("Create an organization")
            .WithDescription("Operators only. A new tenant, and a single-use invite for its first owner.")
            .WithProblems(403, 409);
    }
}
