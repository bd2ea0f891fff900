using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Accounts;

public static class ListPresence
{
    /// <summary>
    /// Who is online now among the people the caller may see (for a guest: those sharing a conversation). Clients
    /// read it once after connecting, then follow <c>PresenceChanged</c>.
    /// </summary>
    public static async Task<Ok<List<Guid>>> HandleAsync(CurrentUser me, ParleyDb db, ConnectionRegistry connections, CancellationToken ct)
    {
        var ids = await db.VisibleUsers(me).Where(u => u.DeactivatedAt == null).Select(u => u.Id).ToListAsync(ct);
        return TypedResults.Ok(ids.Where(connections.IsOnline).ToList());
    }
}
