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
        var visible = db.Users.Where(u => u.OrganizationId == me.OrganizationId && u.DeactivatedAt == null);
        if (me.IsGuest)
        {
            var mine = db.ConversationMembers.Where(m => m.UserId == me.Id).Select(m => m.ConversationId);
            var peers = db.ConversationMembers.Where(m => mine.Contains(m.ConversationId)).Select(m => m.UserId);
            visible = visible.Where(u => peers.Contains(u.Id));
        }
        var ids = await visible.Select(u => u.Id).ToListAsync(ct);
        return TypedResults.Ok(ids.Where(connections.IsOnline).ToList());
    }
}
