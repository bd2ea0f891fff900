using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;

namespace Parley.Server.Features.Governance;

public static class PlacePerson
{
    public sealed record Request
    {
        /// <summary>The person's unit; null: in none.</summary>
        public Guid? UnitId { get; init; }

        /// <summary>The person's manager, an active person of the organization who is not below them; null: none.</summary>
        public Guid? ManagerId { get; init; }
    }

    /// <summary>Puts a person in a unit under a manager. A manager loop (someone managing their own manager) is refused.</summary>
    public static async Task<Results<Ok<PlacementDto>, ProblemHttpResult>> HandleAsync(Guid userId, Request request, CurrentUser me, ParleyDb db,
        Realtime.LiveEvents events, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var (person, refused) = await db.PersonAccessAsync(me, userId, Capability.ManageUnits, "Only admins place people in units.", ct);
        if (person is null)
            return refused!;
        var placement = await db.Placements.SingleOrDefaultAsync(p => p.UserId == person.Id, ct);
        var before = new { unitId = placement?.UnitId, managerId = placement?.ManagerId };
        var (leaving, joining) = await UnitChannelMembership.LockAsync(db, me.OrganizationId, placement?.UnitId, request.UnitId, ct);
        // Taken first: concurrent placements wait here, so the loop check below sees every manager as committed.
        await db.AuditAsync(me, AuditAction.PersonPlaced, "user", person.Id.ToString(),
            new { before, after = new { unitId = request.UnitId, managerId = request.ManagerId } }, http, now, ct);

        if (request.UnitId is { } unitId && !await db.Units.AnyAsync(u => u.Id == unitId && u.OrganizationId == me.OrganizationId, ct))
            return UnitProblems.ParentUnknown();
        if (await db.Placements.AsNoTracking().Where(p => p.UserId == person.Id).Select(p => p.UnitId).SingleOrDefaultAsync(ct) != before.unitId)
            return Problems.Conflict("concurrency", "This person was just placed elsewhere. Reload and try again.");
        if (request.ManagerId is { } managerId)
        {
            var manager = await db.Users.Where(u => u.Id == managerId && u.OrganizationId == me.OrganizationId)
                .Select(u => new { u.DeactivatedAt }).SingleOrDefaultAsync(ct);
            if (manager is null)
                return Problems.BadRequest("manager-unknown", "This manager is not a person of your organization.");
            if (manager.DeactivatedAt is not null)
                return Problems.Unprocessable("manager-inactive", "This manager is deactivated. Choose someone active.");
            var managers = await db.Placements.Where(p => p.OrganizationId == me.OrganizationId && p.ManagerId != null)
                .ToDictionaryAsync(p => p.UserId, p => p.ManagerId, ct);
            if (Reaches(managers, managerId, person.Id))
                return Problems.Unprocessable("manager-loop",
                    "This would make a loop of managers: the person manages, directly or not, the manager you chose.");
        }

        if (placement is null)
            db.Placements.Add(placement = new Placement(me.OrganizationId, person.Id));
        placement.Place(request.UnitId, request.ManagerId);
        var changes = await UnitChannelMembership.MoveAsync(db, me, person, leaving, joining, now, ct);
        await tx.CommitAsync(ct);
        foreach (var change in changes)
            await events.MembershipChangedAsync(change, ct);
        return TypedResults.Ok(new PlacementDto(person.Id, person.DisplayName, placement.UnitId, placement.ManagerId));
    }

    /// <summary>Whether following managers up from <paramref name="from"/> (itself included) reaches <paramref name="target"/>.</summary>
    public static bool Reaches(IReadOnlyDictionary<Guid, Guid?> managers, Guid from, Guid target)
    {
        var seen = new HashSet<Guid>();
        for (Guid? at = from; at is { } id && seen.Add(id); at = managers.GetValueOrDefault(id))
            if (id == target)
                return true;
        return false;
    }
}

public static class GovernanceEndpoints
{
    public static void MapGovernanceEndpoints(this RouteGroupBuilder api)
    {
        var units = api.MapGroup("/units").WithTags("Units");
        units.MapGet("/", ListUnits.HandleAsync)
            .WithSummary("List the organization's units")
            .WithDescription("The whole tree, each unit with its parent and how many people it holds. Not for guests.")
            .WithProblems(403);
        units.MapPost("/", CreateUnit.HandleAsync)
            .WithSummary("Create a unit")
            .WithDescription("Admins (manage units). Audited.")
            .WithProblems(400, 403);
        units.MapPatch("/{unitId:guid}", UpdateUnit.HandleAsync)
            .WithSummary("Rename or move a unit")
            .WithDescription("Admins (manage units). A move under the unit itself or below it is refused with `unit-cycle`. Audited.")
            .WithProblems(400, 403, 404, 422);
        units.MapDelete("/{unitId:guid}", DeleteUnit.HandleAsync)
            .WithSummary("Delete an empty unit")
            .WithDescription("Refused with `unit-not-empty` while units or people are in it. Audited.")
            .WithProblems(403, 404, 409);
        units.MapPost("/{unitId:guid}/channel", CreateUnitChannel.HandleAsync)
            .WithSummary("Give a unit its channel")
            .WithDescription("Admins (manage units). A private channel named after the unit, owned by its creator; the unit's people are " +
                "its members, and are added and removed as they are placed in or out of the unit. 409 `unit-channel-exists` the second time.")
            .WithProblems(403, 404, 409);
        units.MapGet("/{unitId:guid}/people", ListUnitPeople.HandleAsync)
            .WithSummary("List the people of a unit and of the units below it")
            .WithDescription("Admins, and managers for their own unit and the units below it.")
            .WithProblems(403, 404);
        api.MapPut("/users/{userId:guid}/placement", PlacePerson.HandleAsync).WithTags("Units")
            .WithSummary("Place someone in a unit, under a manager")
            .WithDescription("Admins (manage units). A loop of managers is refused with `manager-loop`; a deactivated manager with " +
                "`manager-inactive`. Audited.")
            .WithProblems(400, 403, 404, 422);
        api.MapGet("/organization/policies", GetPolicies.HandleAsync).WithTags("Organization")
            .WithSummary("Get the organization's policies");
        api.MapPut("/organization/policies", SetPolicies.HandleAsync).WithTags("Organization")
            .WithSummary("Change the organization's policies")
            .WithDescription("Admins only (manage organization). Every field is set: send the whole object. Audited with before and after.")
            .WithProblems(400, 403);
    }
}
