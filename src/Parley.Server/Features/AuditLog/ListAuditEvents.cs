using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.AuditLog;

public sealed record AuditEventDto(long Index, string Action, Guid? ActorId, string TargetType, string? TargetId, JsonElement? Data,
    string? Address, DateTimeOffset At, string Hash);

public static class ListAuditEvents
{
    /// <summary>The organization's audit log, newest first; page back with <c>before</c> (an index). Admins only.</summary>
    public static async Task<Results<Ok<List<AuditEventDto>>, ProblemHttpResult>> HandleAsync(
        long? before, int? limit, string? action, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.ViewAuditLog))
            return Problems.Forbidden("admin-only", "Only admins and compliance officers can read the audit log.");
        var take = limit ?? 100;
        if (take is < 1 or > 500)
            return Problems.BadRequest("limit-invalid", "limit is 1 to 500.");
        AuditAction? filter = null;
        if (action is not null)
        {
            // Enum.TryParse also reads numbers and "A,B" (as A|B, another action): only a single name is a filter.
            if (!Enum.TryParse<AuditAction>(action, ignoreCase: true, out var parsed) || int.TryParse(action, out _) || action.Contains(','))
                return Problems.BadRequest("action-invalid", "Unknown audit action.");
            filter = parsed;
        }

        var query = db.AuditEvents.Where(a => a.OrganizationId == me.OrganizationId);
        if (before is { } b)
            query = query.Where(a => a.Index < b);
        if (filter is { } f)
            query = query.Where(a => a.Action == f);
        var page = await query.OrderByDescending(a => a.Index).Take(take).ToListAsync(ct);
        return TypedResults.Ok(page.Select(a => new AuditEventDto(a.Index, a.Action.ToString(), a.ActorId, a.TargetType, a.TargetId,
            a.Data is null ? null : JsonDocument.Parse(a.Data).RootElement, a.Address, a.At, a.Hash)).ToList());
    }
}
