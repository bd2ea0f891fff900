using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.TwoFactor;

public sealed record TwoFactorPolicyDto(bool Required);

public static class ResetTwoFactor
{
    /// <summary>
    /// Admins only (an owner's only by an owner): removes a member's second factor, for a lost phone. The member signs
    /// in with the password alone afterwards, and, where the organization requires two-factor, must enrol again first.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(
        Guid userId, CurrentUser me, ParleyDb db, SessionCache sessions, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var (user, refused) = await db.PersonAccessAsync(me, userId, Capability.ManagePeople,
            "Only admins can reset someone's two-factor sign-in.", ct);
        if (user is null)
            return refused!;

        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        if (!await db.RemoveTwoFactorAsync(user.Id, ct))
            return Problems.Conflict("two-factor-not-enabled", "This person has no two-factor sign-in to reset.");
        await db.AuditAsync(me, AuditAction.TwoFactorReset, "user", user.Id.ToString(), null, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        sessions.Invalidate();
        return TypedResults.NoContent();
    }
}

public static class SetTwoFactorPolicy
{
    public sealed record Request
    {
        [Required] public bool? Required { get; init; }
    }

    /// <summary>Admins only; audited. People who have not enrolled are kept to the enrolment from their next request.</summary>
    public static async Task<Results<Ok<TwoFactorPolicyDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, SessionCache sessions, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageOrganization))
            return Problems.Forbidden("admin-only", "Only admins can change organization settings.");
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var org = await db.Organizations.SingleAsync(o => o.Id == me.OrganizationId, ct);
        // Requiring it without having it would lock the admin out of the admin console on their next request.
        if (request.Required == true && !org.TwoFactorRequired && await db.ActiveTwoFactorAsync(me.Id, ct) is null)
            return Problems.Conflict("two-factor-enrol-first", "Set up two-factor sign-in for yourself before requiring it of everyone.");
        var before = org.TwoFactorRequired;
        await db.AuditAsync(me, AuditAction.OrganizationSettingsChanged, "organization", org.Id.ToString(),
            new { setting = "twoFactorRequired", before, after = request.Required!.Value }, http, now, ct);
        org.RequireTwoFactor(request.Required.Value);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        sessions.Invalidate();
        return TypedResults.Ok(new TwoFactorPolicyDto(org.TwoFactorRequired));
    }
}

public static class GetTwoFactorPolicy
{
    public static async Task<Ok<TwoFactorPolicyDto>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct) =>
        TypedResults.Ok(new TwoFactorPolicyDto(
            await db.Organizations.Where(o => o.Id == me.OrganizationId).Select(o => o.TwoFactorRequired).SingleAsync(ct)));
}
