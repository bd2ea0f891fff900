using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Governance;

/// <summary>What an access function decided: the resource, or the problem to answer with (404 or 403), never both.</summary>
public readonly record struct Decision<T>(T? Resource, ProblemHttpResult? Refusal) where T : class
{
    public static implicit operator Decision<T>(ProblemHttpResult refusal) => new(null, refusal);
    public static Decision<T> Allow(T resource) => new(resource, null);
}

/// <summary>
/// Access to the organization itself: the caller always knows their own organization exists, so a missing capability is a
/// 403 with the stable code of that capability (docs/problems.md). The role comes from the session, whose cache is
/// emptied whenever a role changes, so a demotion takes effect on the next request.
/// </summary>
public static class OrganizationAccess
{
    /// <summary>Null when the caller holds <paramref name="capability"/>; otherwise the 403 to answer, titled <paramref name="title"/>.</summary>
    public static ProblemHttpResult? Refuse(this CurrentUser me, Capability capability, string title) =>
        me.Can(capability) ? null : Problems.Forbidden(RefusalCode(capability), title);

    /// <summary>The code a missing capability is refused with; existing codes kept so clients need not change.</summary>
    public static string RefusalCode(Capability capability) => capability switch
    {
        Capability.TakePartInConversations => "compliance-cannot-converse",
        Capability.Compliance => "compliance-only",
        Capability.ManagePrivilegedPeople or Capability.ManageSigningKeys => "owner-only",
        Capability.CreateChannels => "guests-cannot-create",
        Capability.SeeOwnUnitPeople => "unit-people-restricted",
        Capability.SeeEveryone => "people-restricted",
        _ => "admin-only",
    };
}

/// <summary>Access to a person of the caller's organization: the one place that decides who may act on whom.</summary>
public static class PersonAccess
{
    /// <summary>
    /// The person, tracked, when the caller may see them and holds <paramref name="capability"/> over them. 404 for a person
    /// who does not exist, is in another organization, or whom the caller may not see; 403 (<c>admin-only</c>) without the
    /// capability; 403 <c>owner-only</c> when managing an owner's account (<see cref="Capability.ManagePeople"/>) without being one.
    /// </summary>
    public static async Task<Decision<User>> PersonAccessAsync(this ParleyDb db, CurrentUser me, Guid userId, Capability capability,
        string title, CancellationToken ct)
    {
        var person = await db.VisibleUsers(me).SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (person is null)
            return Problems.NotFound("user");
        if (me.Refuse(capability, title) is { } refused)
            return refused;
        // Acting on an owner's account (role, deactivation, second factor) is for owners; placing one in a unit is not.
        if (capability == Capability.ManagePeople && person.Can(Capability.ManagePrivilegedPeople) && !me.Can(Capability.ManagePrivilegedPeople))
            return Problems.Forbidden("owner-only", "Only owners can act on an owner.");
        return Decision<User>.Allow(person);
    }

    /// <summary>Null when the caller may give <paramref name="role"/> to a newcomer (an invite): never more than they hold.</summary>
    public static ProblemHttpResult? RefuseGrant(this CurrentUser me, OrgRole role) =>
        BuiltInRoles.Of(role).IsSubsetOf(BuiltInRoles.Of(me.Role)) && (!BuiltInRoles.IsPrivileged(role) || me.Can(Capability.ManagePrivilegedPeople))
            ? null
            : Problems.Forbidden("owner-only", "Only owners can give this role: an owner's or a compliance officer's.");

    /// <summary>Null when the caller may give <paramref name="role"/> to someone whose role is <paramref name="current"/>.</summary>
    public static ProblemHttpResult? RefuseRoleChange(this CurrentUser me, OrgRole current, OrgRole role)
    {
        if (BuiltInRoles.MayAssign(me.Role, role) && (!BuiltInRoles.IsPrivileged(current) || me.Can(Capability.ManagePrivilegedPeople)))
            return null;
        return me.Refuse(Capability.ManagePeople, "Only admins can change roles.")
            ?? Problems.Forbidden("owner-only", "Only owners can make or unmake an owner or a compliance officer.");
    }
}
