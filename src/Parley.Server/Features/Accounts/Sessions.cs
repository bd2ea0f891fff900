using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Accounts;

public static class ListSessions
{
    /// <summary>The caller's signed-in devices: sessions neither revoked nor expired.</summary>
    public static async Task<Ok<List<SessionDto>>> HandleAsync(CurrentUser me, ParleyDb db, IOptions<SessionLifetimeOptions> options,
        TimeProvider clock, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (createdAfter, seenAfter) = (now - options.Value.Lifetime, now - options.Value.IdleTimeout);
        var sessions = await db.Sessions
            .Where(s => s.UserId == me.Id && s.OrganizationId == me.OrganizationId && s.RevokedAt == null
                && s.CreatedAt > createdAfter && s.LastSeenAt > seenAfter)
            .OrderByDescending(s => s.CreatedAt)
            .ToListAsync(ct);
        return TypedResults.Ok(sessions.Select(s => new SessionDto(s.Id, s.DeviceName, s.CreatedAt, s.LastSeenAt, s.Id == me.SessionId)).ToList());
    }
}

public static class RevokeSession
{
    /// <summary>Signs one of the caller's own devices out; <c>current</c> signs out this one.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(
        string sessionId, CurrentUser me, ParleyDb db, SessionCache sessions, ConnectionRegistry connections, TimeProvider clock,
        HttpContext http, CancellationToken ct)
    {
        Guid id;
        if (sessionId == "current")
            id = me.SessionId;
        else if (!Guid.TryParse(sessionId, out id))
            return Problems.NotFound("session");

        var session = await db.Sessions.SingleOrDefaultAsync(
            s => s.Id == id && s.UserId == me.Id && s.OrganizationId == me.OrganizationId && s.RevokedAt == null, ct);
        if (session is null)
            return Problems.NotFound("session");

        var now = clock.GetUtcNow();
        session.Revoke(now);
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(me, AuditAction.SessionRevoked, "session", session.Id.ToString(), new { device = session.DeviceName }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await db.PushSubscriptions.Where(s => s.SessionId == session.Id).ExecuteDeleteAsync(ct);   // a signed-out browser hears nothing
        await tx.CommitAsync(ct);

        sessions.Invalidate();
        connections.AbortSession(session.Id);
        return TypedResults.NoContent();
    }
}
