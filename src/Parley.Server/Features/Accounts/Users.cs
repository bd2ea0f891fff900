using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Realtime;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Accounts;

public static class GetMe
{
    public static async Task<Ok<MeDto>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var row = await db.Users.Where(u => u.Id == me.Id)
            .Join(db.Organizations, u => u.OrganizationId, o => o.Id, (u, o) => new
            {
                User = u, OrgName = o.Name,
                MustEnrol = o.TwoFactorRequired && !db.TwoFactorSecrets.Any(t => t.UserId == u.Id && t.ConfirmedAt != null),
            })
            .SingleAsync(ct);
        var u = row.User;
        return TypedResults.Ok(new MeDto(u.Id, u.OrganizationId, row.OrgName, u.DisplayName, u.Handle, u.Email,
            AccountDtos.RoleName(u.Role), u.IsOperator, me.SessionId, row.MustEnrol));
    }
}

public static class ListUsers
{
    /// <summary>The organization's people. Guests see only the people they share a conversation with.</summary>
    public static async Task<Ok<List<UserDto>>> HandleAsync(CurrentUser me, ParleyDb db, TimeProvider clock, CancellationToken ct)
    {
        var list = await db.VisibleUsers(me).OrderBy(u => u.DisplayName).ToListAsync(ct);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(list.Select(u => u.ToDto(now)).ToList());
    }
}

public static class ChangeUserRole
{
    public sealed record Request
    {
        [Required, StringLength(10)] public string Role { get; init; } = "";
    }

    public static async Task<Results<Ok<UserDto>, ProblemHttpResult>> HandleAsync(
        Guid userId, Request request, CurrentUser me, ParleyDb db, SessionCache sessions, ConnectionRegistry connections,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var (user, refused) = await db.PersonAccessAsync(me, userId, Capability.ManagePeople, "Only admins can change roles.", ct);
        if (user is null)
            return refused!;
        if (!AccountDtos.TryParseRole(request.Role, out var role))
            return Problems.BadRequest("role-invalid", "Role must be owner, admin, manager, compliance, member or guest.");
        if (me.RefuseRoleChange(user.Role, role) is { } beyondMine)
            return beyondMine;

        var before = user.Role;
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(me, AuditAction.UserRoleChanged, "user", user.Id.ToString(),
            new { before = AccountDtos.RoleName(before), after = AccountDtos.RoleName(role) }, http, now, ct);
        // Counted after the audit entry locked the organization's row, so two owners demoting each other can't both win.
        if (before == OrgRole.Owner && role != OrgRole.Owner && await db.ActiveOwnersAsync(me.OrganizationId, ct) == 1)
            return Problems.Unprocessable("last-owner", "An organization keeps at least one owner. Make someone else owner first.");
        user.ChangeRole(role);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        sessions.Invalidate();   // the user's next request carries the new role
        if ((before == OrgRole.Compliance) != (role == OrgRole.Compliance))
            connections.AbortUser(user.Id);   // live connections were joined to the user's events under the old role
        return TypedResults.Ok(user.ToDto(now));
    }
}

public static class DeactivateUser
{
    /// <summary>Ends every session of the user at once; everything they wrote stays.</summary>
    public static async Task<Results<Ok<UserDto>, ProblemHttpResult>> HandleAsync(
        Guid userId, CurrentUser me, ParleyDb db, SessionCache sessions, ConnectionRegistry connections, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        var (user, refused) = await db.PersonAccessAsync(me, userId, Capability.ManagePeople, "Only admins can deactivate people.", ct);
        if (user is null)
            return refused!;
        if (user.Id == me.Id)
            return Problems.Unprocessable("cannot-deactivate-self", "You cannot deactivate yourself. Ask another admin.");

        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        // Only an owner deactivates an owner, so this refuses only when two owners deactivate each other at once.
        if (!await db.DeactivateAsync(user, open => db.AuditAsync(me, AuditAction.UserDeactivated, "user", user.Id.ToString(),
                new { sessionsEnded = open }, http, now, ct), now, ct))
            return Problems.Unprocessable("last-owner", "An organization keeps at least one active owner.");
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);

        UserDeactivation.Announce(user, sessions, connections);
        return TypedResults.Ok(user.ToDto(now));
    }
}

/// <summary>The one way an account is deactivated, by an admin or by the organization's directory.</summary>
public static class UserDeactivation
{
    /// <summary>
    /// Inside the caller's write transaction: deactivates the user, audits it through <paramref name="audit"/> (given how
    /// many sessions end) and ends every session. False, with nothing to commit, when the user is the organization's last
    /// active owner.
    /// </summary>
    public static async Task<bool> DeactivateAsync(this ParleyDb db, User user, Func<int, Task> audit, DateTimeOffset now, CancellationToken ct)
    {
        user.Deactivate(now);
        var open = await db.Sessions.CountAsync(s => s.UserId == user.Id && s.RevokedAt == null, ct);
        // The organization's audit head before the sessions' rows, as everywhere (docs/architecture.md, "Lock order").
        await audit(open);
        await db.Sessions.Where(s => s.UserId == user.Id && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), ct);
        await db.PushSubscriptions.Where(s => s.UserId == user.Id).ExecuteDeleteAsync(ct);
        return user.Role != OrgRole.Owner || await db.ActiveOwnersAsync(user.OrganizationId, ct) > 1;
    }

    /// <summary>After commit: the sessions stop on their next request and live connections close at once.</summary>
    public static void Announce(User user, SessionCache sessions, ConnectionRegistry connections)
    {
        sessions.Invalidate();
        connections.AbortUser(user.Id);
    }
}

internal static class OwnerQueries
{
    public static Task<int> ActiveOwnersAsync(this ParleyDb db, Guid organizationId, CancellationToken ct) =>
        db.Users.CountAsync(u => u.OrganizationId == organizationId && u.Role == OrgRole.Owner && u.DeactivatedAt == null, ct);
}
