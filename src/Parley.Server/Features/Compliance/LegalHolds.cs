using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Compliance;

public sealed record LegalHoldDto(Guid Id, string Name, IReadOnlyList<Guid> CustodianIds, IReadOnlyList<long> ConversationIds,
    DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<string> Words, string Status, Guid CreatedBy, DateTimeOffset CreatedAt,
    Guid? ReleaseRequestedBy, DateTimeOffset? ReleaseRequestedAt, Guid? ReleasedBy, DateTimeOffset? ReleasedAt);

public sealed record ComplianceSettingsDto(bool HoldReleaseNeedsApproval);

public static class LegalHoldDtos
{
    public static LegalHoldDto ToDto(this LegalHold h) => new(h.Id, h.Name, h.Custodians, h.Conversations, h.From, h.To, h.Words,
        !h.IsActive ? "released" : h.IsReleasePending ? "release-pending" : "active",
        h.CreatedBy, h.CreatedAt, h.ReleaseRequestedBy, h.ReleaseRequestedAt, h.ReleasedBy, h.ReleasedAt);
}

public static class CreateLegalHold
{
    public sealed record Request
    {
        public string? Name { get; init; }
        public List<Guid>? CustodianIds { get; init; }
        public List<long>? ConversationIds { get; init; }
        public DateTimeOffset? From { get; init; }
        public DateTimeOffset? To { get; init; }
        public List<string>? Words { get; init; }
    }

    public static async Task<Results<Created<LegalHoldDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var custodians = (request.CustodianIds ?? []).Distinct().ToList();
        var conversations = (request.ConversationIds ?? []).Distinct().ToList();
        if (custodians.Count > LegalHold.MaxItems || conversations.Count > LegalHold.MaxItems)
            return Problems.BadRequest("hold-too-large", $"A hold names at most {LegalHold.MaxItems} people, conversations and words each.");
        // Another organization's ids look exactly like ids that do not exist.
        if (await db.Users.CountAsync(u => u.OrganizationId == me.OrganizationId && custodians.Contains(u.Id), ct) != custodians.Count)
            return Problems.BadRequest("hold-custodian-unknown", "Some custodians are not people of your organization.");
        if (await db.Conversations.CountAsync(c => c.OrganizationId == me.OrganizationId && conversations.Contains(c.Id), ct) != conversations.Count)
            return Problems.BadRequest("hold-conversation-unknown", "Some conversations are not conversations of your organization.");

        var now = clock.GetUtcNow();
        var hold = new LegalHold(me.OrganizationId, request.Name ?? "", custodians, conversations, request.From, request.To,
            request.Words ?? [], me.Id, now);
        await using var tx = await db.BeginWriteAsync(ct);
        db.LegalHolds.Add(hold);
        await db.AuditAsync(me, AuditAction.LegalHoldCreated, "legal-hold", hold.Id.ToString(),
            new { name = hold.Name, custodians = hold.Custodians.Count, conversations = hold.Conversations, hold.From, hold.To, words = hold.Words.Count },
            http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/compliance/holds/{hold.Id}", hold.ToDto());
    }
}

public static class ReadLegalHolds
{
    public static async Task<Results<Ok<List<LegalHoldDto>>, ProblemHttpResult>> ListAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        return TypedResults.Ok(await ForOrganizationAsync(db, me.OrganizationId, ct));
    }

    /// <summary>Every hold of the organization, released ones included, oldest first.</summary>
    public static async Task<List<LegalHoldDto>> ForOrganizationAsync(ParleyDb db, Guid organizationId, CancellationToken ct) =>
        (await db.LegalHolds.AsNoTracking().Where(h => h.OrganizationId == organizationId).OrderBy(h => h.Id).ToListAsync(ct))
            .Select(h => h.ToDto()).ToList();

    public static async Task<Results<Ok<LegalHoldDto>, ProblemHttpResult>> GetAsync(Guid holdId, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var hold = await db.LegalHolds.AsNoTracking().SingleOrDefaultAsync(h => h.Id == holdId && h.OrganizationId == me.OrganizationId, ct);
        if (hold is null)
            return Problems.NotFound("legal hold");
        return TypedResults.Ok(hold.ToDto());
    }
}

/// <summary>
/// Lifts a hold: at once, or, when the organization requires two people, once a different compliance officer or admin
/// approves. A pending release still holds. Releasing erases nothing: the next purge decides what retention still keeps.
/// </summary>
public static class ReleaseLegalHold
{
    public static async Task<Results<Ok<LegalHoldDto>, ProblemHttpResult>> RequestAsync(
        Guid holdId, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        await ChangeAsync(holdId, me, db, clock, http, approve: false, ct);

    public static async Task<Results<Ok<LegalHoldDto>, ProblemHttpResult>> ApproveAsync(
        Guid holdId, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        await ChangeAsync(holdId, me, db, clock, http, approve: true, ct);

    private static async Task<Results<Ok<LegalHoldDto>, ProblemHttpResult>> ChangeAsync(
        Guid holdId, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, bool approve, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var hold = await db.LegalHolds.SingleOrDefaultAsync(h => h.Id == holdId && h.OrganizationId == me.OrganizationId, ct);
        if (hold is null)
            return Problems.NotFound("legal hold");
        if (approve)
            hold.ApproveRelease(me.Id, now);
        else
        {
            var needsApproval = await db.ComplianceSettings.Where(s => s.OrganizationId == me.OrganizationId)
                .Select(s => s.HoldReleaseNeedsApproval).SingleOrDefaultAsync(ct);
            hold.RequestRelease(me.Id, now, needsApproval);
        }
        await db.AuditAsync(me, hold.IsActive ? AuditAction.LegalHoldReleaseRequested : AuditAction.LegalHoldReleased, "legal-hold",
            hold.Id.ToString(), new { name = hold.Name, requestedBy = hold.ReleaseRequestedBy, approvedBy = approve ? me.Id : (Guid?)null }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(hold.ToDto());
    }
}

public static class ComplianceSettingsOperations
{
    public sealed record Request
    {
        public bool HoldReleaseNeedsApproval { get; init; }
    }

    public static async Task<Results<Ok<ComplianceSettingsDto>, ProblemHttpResult>> GetAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var needsApproval = await db.ComplianceSettings.Where(s => s.OrganizationId == me.OrganizationId)
            .Select(s => s.HoldReleaseNeedsApproval).SingleOrDefaultAsync(ct);
        return TypedResults.Ok(new ComplianceSettingsDto(needsApproval));
    }

    /// <summary>Admins and owners only: a compliance officer does not relax the control that applies to them.</summary>
    public static async Task<Results<Ok<ComplianceSettingsDto>, ProblemHttpResult>> SetAsync(
        Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageOrganization))
            return Problems.Forbidden("admin-only", "Only admins and owners change the organization's compliance settings.");
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var settings = await db.ComplianceSettings.SingleOrDefaultAsync(s => s.OrganizationId == me.OrganizationId, ct);
        if (settings is null)
            db.ComplianceSettings.Add(settings = new ComplianceSettings(me.OrganizationId));
        var before = settings.HoldReleaseNeedsApproval;
        settings.HoldReleaseNeedsApproval = request.HoldReleaseNeedsApproval;
        await db.AuditAsync(me, AuditAction.ComplianceSettingsChanged, "organization", me.OrganizationId.ToString(),
            new { holdReleaseNeedsApproval = new { before, after = settings.HoldReleaseNeedsApproval } }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new ComplianceSettingsDto(settings.HoldReleaseNeedsApproval));
    }
}
