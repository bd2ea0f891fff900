using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Conversations;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Compliance;

/// <param name="MemberIds">Who is a member now; direct and group conversations are named by them.</param>
public sealed record ComplianceConversationDto(long Id, string Kind, string? Name, bool Archived, DateTimeOffset CreatedAt,
    IReadOnlyList<Guid> MemberIds);

/// <summary>
/// Every conversation of the organization, private and direct ones included, by name and members only: what a compliance
/// officer picks from when scoping a retention policy or a legal hold. No content: that is read through the record.
/// </summary>
public static class ListComplianceConversations
{
    public static async Task<Results<Ok<List<ComplianceConversationDto>>, ProblemHttpResult>> HandleAsync(CurrentUser me, ParleyDb db,
        CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var conversations = await db.Conversations.AsNoTracking().Where(c => c.OrganizationId == me.OrganizationId)
            .OrderBy(c => c.Id).Select(c => new { c.Id, c.Kind, c.Name, c.ArchivedAt, c.CreatedAt }).ToListAsync(ct);
        var members = (await db.ConversationMembers.AsNoTracking()
                .Where(m => db.Conversations.Any(c => c.Id == m.ConversationId && c.OrganizationId == me.OrganizationId))
                .Select(m => new { m.ConversationId, m.UserId }).ToListAsync(ct))
            .ToLookup(m => m.ConversationId, m => m.UserId);
        return TypedResults.Ok(conversations.Select(c => new ComplianceConversationDto(c.Id, ConversationDtos.KindName(c.Kind), c.Name,
            c.ArchivedAt is not null, c.CreatedAt, [.. members[c.Id]])).ToList());
    }
}
