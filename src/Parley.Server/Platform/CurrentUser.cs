using System.Security.Claims;
using Parley.Server.Features.Accounts;

namespace Parley.Server.Platform;

/// <summary>Who is calling, as established by the bearer token. Bound as a handler parameter on authorized routes.</summary>
public sealed record CurrentUser(Guid Id, Guid OrganizationId, OrgRole Role, Guid SessionId, bool IsOperator)
{
    // What the caller may do is asked of Features/Governance (me.Can(Capability.X) and the access functions), never of the role.

    public static CurrentUser From(ClaimsPrincipal principal) =>
        TryFrom(principal) ?? throw new InvalidOperationException("The route is missing RequireAuthorization().");

    public static CurrentUser? TryFrom(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
            return null;
        return new CurrentUser(
            Guid.Parse(principal.FindFirstValue(ClaimTypes.NameIdentifier)!),
            Guid.Parse(principal.FindFirstValue(ParleyClaims.Organization)!),
            Enum.Parse<OrgRole>(principal.FindFirstValue(ClaimTypes.Role)!),
            Guid.Parse(principal.FindFirstValue(ParleyClaims.Session)!),
            principal.HasClaim(ParleyClaims.Operator, "true"));
    }

    public static ValueTask<CurrentUser?> BindAsync(HttpContext http) => ValueTask.FromResult(TryFrom(http.User));
}

public static class ParleyClaims
{
    public const string Organization = "parley:org";
    public const string Session = "parley:session";
    public const string Operator = "parley:operator";
    public const string MustEnrol = "parley:must-enrol";
}
