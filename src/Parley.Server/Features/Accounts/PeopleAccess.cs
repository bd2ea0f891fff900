using Parley.Server.Data;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Accounts;

public static class PeopleAccess
{
    /// <summary>
    /// The people of the caller's organization that the caller may see: everyone, or for someone who may not see everyone (a guest), themselves and those
    /// who share a conversation with them. The one place this rule lives.
    /// </summary>
    public static IQueryable<User> VisibleUsers(this ParleyDb db, CurrentUser me)
    {
        var users = db.Users.Where(u => u.OrganizationId == me.OrganizationId);
        if (me.Can(Capability.SeeEveryone))
            return users;
        var mine = db.ConversationMembers.Where(m => m.UserId == me.Id).Select(m => m.ConversationId);
        var peers = db.ConversationMembers.Where(m => mine.Contains(m.ConversationId)).Select(m => m.UserId);
        return users.Where(u => u.Id == me.Id || peers.Contains(u.Id));
    }
}
