using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;

namespace Parley.Server.Features.Governance;

/// <param name="ParentId">Null at the top of the tree.</param>
/// <param name="People">How many people are placed in this unit (not counting the units below it).</param>
/// <param name="ChannelId">The unit's channel, whose members follow the unit; null: none.</param>
public sealed record UnitDto(Guid Id, string Name, Guid? ParentId, int People, long? ChannelId = null);

/// <summary>A person's place: their unit and manager (either may be null).</summary>
public sealed record PlacementDto(Guid UserId, string DisplayName, Guid? UnitId, Guid? ManagerId);

/// <summary>The tree of units, and the one access function for a unit.</summary>
public static class UnitTree
{
    /// <summary>
    /// The unit, tracked, when it is in the caller's organization and the caller may see units (404 otherwise, as for a unit
    /// that does not exist), and holds <paramref name="capability"/> (403 otherwise).
    /// </summary>
    public static async Task<Decision<Unit>> UnitAccessAsync(this ParleyDb db, CurrentUser me, Guid unitId, Capability capability,
        string title, CancellationToken ct)
    {
        if (!me.Can(Capability.SeeEveryone))
            return Problems.NotFound("unit");
        var unit = await db.Units.SingleOrDefaultAsync(u => u.Id == unitId && u.OrganizationId == me.OrganizationId, ct);
        if (unit is null)
            return Problems.NotFound("unit");
        return me.Refuse(capability, title) is { } refused ? refused : Decision<Unit>.Allow(unit);
    }

    /// <summary>Each unit of the organization and its parent.</summary>
    public static async Task<Dictionary<Guid, Guid?>> ParentsAsync(this ParleyDb db, Guid organizationId, CancellationToken ct) =>
        await db.Units.Where(u => u.OrganizationId == organizationId).ToDictionaryAsync(u => u.Id, u => u.ParentId, ct);

    /// <summary>Whether <paramref name="unitId"/> is <paramref name="ancestorId"/> or below it.</summary>
    public static bool IsWithin(IReadOnlyDictionary<Guid, Guid?> parents, Guid unitId, Guid ancestorId)
    {
        var seen = new HashSet<Guid>();
        for (Guid? at = unitId; at is { } id && seen.Add(id); at = parents.GetValueOrDefault(id))
            if (id == ancestorId)
                return true;
        return false;
    }

    public static async Task<List<UnitDto>> ListAsync(ParleyDb db, Guid organizationId, CancellationToken ct)
    {
        var counts = await db.Placements.Where(p => p.OrganizationId == organizationId && p.UnitId != null)
            .GroupBy(p => p.UnitId).Select(g => new { UnitId = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.UnitId!.Value, g => g.Count, ct);
        var units = await db.Units.AsNoTracking().Where(u => u.OrganizationId == organizationId).ToListAsync(ct);
        return [.. units.OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase).ThenBy(u => u.Id)
            .Select(u => new UnitDto(u.Id, u.Name, u.ParentId, counts.GetValueOrDefault(u.Id), u.ChannelId))];
    }

    public static UnitDto ToDto(this Unit unit, int people) => new(unit.Id, unit.Name, unit.ParentId, people, unit.ChannelId);
}

public static class ListUnits
{
    public static async Task<Results<Ok<List<UnitDto>>, ProblemHttpResult>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct) =>
        me.Refuse(Capability.SeeEveryone, "Guests do not see the organization's units.") is { } refused
            ? refused
            : TypedResults.Ok(await UnitTree.ListAsync(db, me.OrganizationId, ct));
}

public static class CreateUnit
{
    public sealed record Request
    {
        [Required, StringLength(Unit.MaxNameLength, MinimumLength = 1)] public string Name { get; init; } = "";

        /// <summary>The unit to place it under; none: at the top.</summary>
        public Guid? ParentId { get; init; }
    }

    public static async Task<Results<Created<UnitDto>, ProblemHttpResult>> HandleAsync(Request request, CurrentUser me, ParleyDb db,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (me.Refuse(Capability.ManageUnits, "Only admins manage units.") is { } refused)
            return refused;
        var now = clock.GetUtcNow();
        var unit = new Unit(me.OrganizationId, request.Name, request.ParentId, now);
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(me, AuditAction.UnitCreated, "unit", unit.Id.ToString(), new { name = unit.Name, parentId = unit.ParentId }, http, now, ct);
        if (request.ParentId is { } parentId && !await db.Units.AnyAsync(u => u.Id == parentId && u.OrganizationId == me.OrganizationId, ct))
            return UnitProblems.ParentUnknown();
        db.Units.Add(unit);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/units/{unit.Id}", unit.ToDto(0));
    }
}

public static class UpdateUnit
{
    public sealed record Request
    {
        [StringLength(Unit.MaxNameLength, MinimumLength = 1)] public string? Name { get; init; }

        /// <summary>Move under this unit (with <see cref="Move"/>); null with <see cref="Move"/>: to the top.</summary>
        public Guid? ParentId { get; init; }

        /// <summary>True to move the unit to <see cref="ParentId"/>; false or absent leaves it where it is.</summary>
        public bool Move { get; init; }
    }

    /// <summary>Renames or moves a unit; a move under itself or under a unit below it is refused (<c>unit-cycle</c>).</summary>
    public static async Task<Results<Ok<UnitDto>, ProblemHttpResult>> HandleAsync(Guid unitId, Request request, CurrentUser me, ParleyDb db,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var (unit, refused) = await db.UnitAccessAsync(me, unitId, Capability.ManageUnits, "Only admins manage units.", ct);
        if (unit is null)
            return refused!;
        var before = new { name = unit.Name, parentId = unit.ParentId };
        // The audit entry takes the organization's chain head first: concurrent moves wait here, so the check below sees the tree as it is.
        await db.AuditAsync(me, AuditAction.UnitChanged, "unit", unit.Id.ToString(),
            new { before, after = new { name = request.Name ?? unit.Name, parentId = request.Move ? request.ParentId : unit.ParentId } }, http, now, ct);
        if (request.Name is not null)
            unit.Rename(request.Name);
        if (request.Move && request.ParentId is { } parentId)
        {
            var parents = await db.ParentsAsync(me.OrganizationId, ct);
            if (!parents.ContainsKey(parentId))
                return UnitProblems.ParentUnknown();
            if (UnitTree.IsWithin(parents, parentId, unit.Id))
                return Problems.Unprocessable("unit-cycle", "A unit cannot move under itself or under a unit below it.");
        }
        if (request.Move)
            unit.MoveUnder(request.ParentId);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(unit.ToDto(await db.Placements.CountAsync(p => p.UnitId == unit.Id, ct)));
    }
}

public static class DeleteUnit
{
    /// <summary>Only an empty unit goes: no unit below it and nobody placed in it.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(Guid unitId, CurrentUser me, ParleyDb db, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var (unit, refused) = await db.UnitAccessAsync(me, unitId, Capability.ManageUnits, "Only admins manage units.", ct);
        if (unit is null)
            return refused!;
        await db.AuditAsync(me, AuditAction.UnitDeleted, "unit", unit.Id.ToString(), new { name = unit.Name, parentId = unit.ParentId }, http, now, ct);
        if (await db.Units.AnyAsync(u => u.ParentId == unit.Id, ct) || await db.Placements.AnyAsync(p => p.UnitId == unit.Id, ct))
            return Problems.Conflict("unit-not-empty", "Move the units and people out of this unit before deleting it.");
        db.Units.Remove(unit);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}

public static class ListUnitPeople
{
    /// <summary>
    /// The people placed in the unit and the units below it: for unit managers (admins), and for a manager whose own unit
    /// is this one or above it.
    /// </summary>
    public static async Task<Results<Ok<List<PlacementDto>>, ProblemHttpResult>> HandleAsync(Guid unitId, CurrentUser me, ParleyDb db,
        CancellationToken ct)
    {
        var (unit, refused) = await db.UnitAccessAsync(me, unitId, Capability.SeeOwnUnitPeople, "Only managers see the people of a unit.", ct);
        if (unit is null)
            return refused!;
        var parents = await db.ParentsAsync(me.OrganizationId, ct);
        if (!me.Can(Capability.ManageUnits))
        {
            var mine = await db.Placements.Where(p => p.UserId == me.Id).Select(p => p.UnitId).SingleOrDefaultAsync(ct);
            if (mine is not { } own || !UnitTree.IsWithin(parents, unit.Id, own))
                return Problems.Forbidden("unit-people-restricted", "A manager sees the people of their own unit and the units below it.");
        }
        var within = parents.Keys.Where(id => UnitTree.IsWithin(parents, id, unit.Id)).ToList();
        var people = await db.Placements.Where(p => p.OrganizationId == me.OrganizationId && p.UnitId != null && within.Contains(p.UnitId.Value))
            .Join(db.Users, p => p.UserId, u => u.Id, (p, u) => new PlacementDto(p.UserId, u.DisplayName, p.UnitId, p.ManagerId))
            .ToListAsync(ct);
        return TypedResults.Ok(people.OrderBy(p => p.DisplayName, StringComparer.CurrentCultureIgnoreCase).ToList());
    }
}

internal static class UnitProblems
{
    public static ProblemHttpResult ParentUnknown() =>
        Problems.BadRequest("unit-unknown", "This unit does not exist in your organization.");
}
