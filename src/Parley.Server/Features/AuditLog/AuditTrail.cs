using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Platform;

namespace Parley.Server.Features.AuditLog;

public static class AuditTrail
{
    /// <summary>
    /// Adds the next event of the organization's audit chain to the unit of work. Call inside a transaction, before
    /// the <c>SaveChangesAsync</c> that commits the change it describes: the counter update locks the
    /// organization's chain head until commit, so concurrent events get distinct, gap-free indexes.
    /// </summary>
    public static async Task<AuditEvent> AuditAsync(this ParleyDb db, Guid organizationId, AuditAction action, Guid? actorId,
        string targetType, string? targetId, object? data, string? address, DateTimeOffset now, CancellationToken ct)
    {
        var org = db.Organizations.Where(o => o.Id == organizationId);
        await org.ExecuteUpdateAsync(s => s.SetProperty(o => o.AuditCount, o => o.AuditCount + 1), ct);
        var head = await org.Select(o => new { o.AuditCount, o.AuditHead }).SingleAsync(ct);

        var json = data is null ? null : JsonSerializer.Serialize(data, JsonSerializerOptions.Web);
        var entry = new AuditEvent(organizationId, head.AuditCount, action, actorId, targetType, targetId, json, address, now, head.AuditHead);
        db.AuditEvents.Add(entry);
        await org.ExecuteUpdateAsync(s => s.SetProperty(o => o.AuditHead, entry.Hash), ct);
        return entry;
    }

    /// <summary>
    /// Several events of the organization's chain at once, as <see cref="AuditAsync(ParleyDb, Guid, AuditAction, Guid?, string, string?, object?, string?, DateTimeOffset, CancellationToken)"/>
    /// adds one: the head is taken and moved once, for changes made of many parts (a directory sync).
    /// </summary>
    public static async Task AuditManyAsync(this ParleyDb db, Guid organizationId, Guid? actorId, string? address, DateTimeOffset now,
        IReadOnlyList<(AuditAction Action, string TargetType, string? TargetId, object? Data)> events, CancellationToken ct)
    {
        if (events.Count == 0)
            return;
        var org = db.Organizations.Where(o => o.Id == organizationId);
        await org.ExecuteUpdateAsync(s => s.SetProperty(o => o.AuditCount, o => o.AuditCount + events.Count), ct);
        var head = await org.Select(o => new { o.AuditCount, o.AuditHead }).SingleAsync(ct);
        var (index, previous) = (head.AuditCount - events.Count, head.AuditHead);
        foreach (var (action, targetType, targetId, data) in events)
        {
            var json = data is null ? null : JsonSerializer.Serialize(data, JsonSerializerOptions.Web);
            var entry = new AuditEvent(organizationId, ++index, action, actorId, targetType, targetId, json, address, now, previous);
            db.AuditEvents.Add(entry);
            previous = entry.Hash;
        }
        await org.ExecuteUpdateAsync(s => s.SetProperty(o => o.AuditHead, previous), ct);
    }

    public static Task<AuditEvent> AuditAsync(this ParleyDb db, CurrentUser me, AuditAction action, string targetType, string? targetId,
        object? data, HttpContext http, DateTimeOffset now, CancellationToken ct) =>
        db.AuditAsync(me.OrganizationId, action, me.Id, targetType, targetId, data, http.ClientAddress(), now, ct);

    
}
