using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Compliance.Discovery;

/// <summary>A page of search results; <c>Next</c> goes in the next request's <c>after</c>, null when nothing is left.</summary>
public sealed record DiscoveryPageDto(IReadOnlyList<DiscoveredMessage> Messages, long? Next);

/// <summary>
/// eDiscovery search across the organization's record, for compliance officers, admins and owners. Edited messages come
/// with every version, deleted ones with their deletion; erased versions say so. Every search is audited (its criteria
/// and who searched) and the audit is committed before any result leaves.
/// </summary>
public static class SearchDiscovery
{
    public const int DefaultPageSize = 50, MaxPageSize = 200;

    /// <summary>At most this many messages are looked at per request; a page may then hold fewer matches, with a <c>next</c>.</summary>
    public const int MaxScanned = 5000;

    public sealed record Request
    {
        public List<Guid>? SenderIds { get; init; }
        public List<long>? ConversationIds { get; init; }
        public DateTimeOffset? From { get; init; }
        public DateTimeOffset? To { get; init; }
        public List<string>? Words { get; init; }
        public bool? HasFile { get; init; }

        /// <summary>The <c>next</c> of the previous page.</summary>
        public long? After { get; init; }
        public int? PageSize { get; init; }

        public DiscoveryCriteria Criteria => new()
        {
            SenderIds = SenderIds, ConversationIds = ConversationIds, From = From, To = To, Words = Words, HasFile = HasFile,
        };
    }

    public static async Task<Results<Ok<DiscoveryPageDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var pageSize = request.PageSize ?? DefaultPageSize;
        if (pageSize is < 1 or > MaxPageSize)
            return Problems.BadRequest("search-page-size-invalid", $"The page size is 1 to {MaxPageSize}.");
        if (request.After is < 0)
            return Problems.BadRequest("search-after-invalid", "After is the next of a previous page.");
        var (criteria, problem) = await request.Criteria.ValidateAsync(db, me.OrganizationId, allowEmpty: false, ct);
        if (problem is not null)
            return problem;

        // Read first, outside the write transaction: a long search must not hold the database's writer (SQLite) from senders.
        var (matches, next) = await DiscoveryReader.PageAsync(db, me.OrganizationId, criteria!, request.After ?? 0, pageSize, MaxScanned, ct);
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(me, AuditAction.DiscoverySearched, "organization", me.OrganizationId.ToString(),
            new { criteria, after = request.After, pageSize, results = matches.Count }, http, clock.GetUtcNow(), ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new DiscoveryPageDto(matches, next));
    }
}
