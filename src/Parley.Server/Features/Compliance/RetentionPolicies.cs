using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Compliance;

public sealed record RetentionPolicyDto(string Scope, string? Kind, long? ConversationId, int? MinimumDays, int? MaximumDays, Guid UpdatedBy,
    DateTimeOffset UpdatedAt);

public static class RetentionPolicyDtos
{
    public static RetentionPolicyDto ToDto(this RetentionPolicy p) => new(
        p.Scope.ToString().ToLowerInvariant(), p.Kind is { } k ? ConversationDtos.KindName(k) : null, p.ConversationId,
        p.MinimumDays, p.MaximumDays, p.UpdatedBy, p.UpdatedAt);

    public static ConversationKind? ParseKind(string kind) => kind switch
    {
        "public" => ConversationKind.PublicChannel,
        "private" => ConversationKind.PrivateChannel,
        "direct" => ConversationKind.Direct,
        "group" => ConversationKind.Group,
        _ => null,
    };
}

/// <summary>The organization's retention policies, for admins and compliance officers.</summary>
public static class ListRetentionPolicies
{
    public static async Task<Results<Ok<List<RetentionPolicyDto>>, ProblemHttpResult>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        var policies = await db.RetentionPolicies.AsNoTracking().Where(p => p.OrganizationId == me.OrganizationId)
            .OrderBy(p => p.Scope).ThenBy(p => p.Kind).ThenBy(p => p.ConversationId).ToListAsync(ct);
        return TypedResults.Ok(policies.Select(p => p.ToDto()).ToList());
    }
}

/// <summary>Sets or removes the policy of one scope: the organization's default, a kind of conversation, one conversation.</summary>
public static class SetRetentionPolicy
{
    public sealed record Request
    {
        /// <summary>Nothing younger is purged or erased. Null: no minimum.</summary>
        public int? MinimumDays { get; init; }

        /// <summary>Messages older are purged. Null: kept for ever.</summary>
        public int? MaximumDays { get; init; }
    }

    public static Task<Results<Ok<RetentionPolicyDto>, ProblemHttpResult>> ForOrganizationAsync(
        Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        SetAsync(RetentionScope.Organization, null, null, request, me, db, clock, http, ct);

    public static Task<Results<Ok<RetentionPolicyDto>, ProblemHttpResult>> ForKindAsync(
        string kind, Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        RetentionPolicyDtos.ParseKind(kind) is { } parsed
            ? SetAsync(RetentionScope.Kind, parsed, null, request, me, db, clock, http, ct)
            : Task.FromResult<Results<Ok<RetentionPolicyDto>, ProblemHttpResult>>(ComplianceAccess.KindInvalid());

    public static Task<Results<Ok<RetentionPolicyDto>, ProblemHttpResult>> ForConversationAsync(
        long conversationId, Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        SetAsync(RetentionScope.Conversation, null, conversationId, request, me, db, clock, http, ct);

    public static Task<Results<NoContent, ProblemHttpResult>> RemoveForOrganizationAsync(
        CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        RemoveAsync(RetentionScope.Organization, null, null, me, db, clock, http, ct);

    public static Task<Results<NoContent, ProblemHttpResult>> RemoveForKindAsync(
        string kind, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        RetentionPolicyDtos.ParseKind(kind) is { } parsed
            ? RemoveAsync(RetentionScope.Kind, parsed, null, me, db, clock, http, ct)
            : Task.FromResult<Results<NoContent, ProblemHttpResult>>(ComplianceAccess.KindInvalid());

    public static Task<Results<NoContent, ProblemHttpResult>> RemoveForConversationAsync(
        long conversationId, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct) =>
        RemoveAsync(RetentionScope.Conversation, null, conversationId, me, db, clock, http, ct);

    private static async Task<Results<Ok<RetentionPolicyDto>, ProblemHttpResult>> SetAsync(RetentionScope scope, ConversationKind? kind,
        long? conversationId, Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (await RefusalAsync(conversationId, me, db, ct) is { } refused)
            return refused;

        var now = clock.GetUtcNow();
        var key = RetentionPolicy.KeyOf(scope, kind, conversationId);
        await using var tx = await db.BeginWriteAsync(ct);
        var policy = await db.RetentionPolicies.SingleOrDefaultAsync(p => p.OrganizationId == me.OrganizationId && p.ScopeKey == key, ct);
        var before = policy is null ? null : new { minimumDays = policy.MinimumDays, maximumDays = policy.MaximumDays };
        if (policy is null)
            db.RetentionPolicies.Add(policy = new RetentionPolicy(me.OrganizationId, scope, kind, conversationId));
        policy.Set(request.MinimumDays, request.MaximumDays, me.Id, now);
        await db.AuditAsync(me, AuditAction.RetentionPolicyChanged, "retention-policy", key,
            new { before, after = new { minimumDays = policy.MinimumDays, maximumDays = policy.MaximumDays } }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(policy.ToDto());
    }

    /// <summary>Why the caller may not change this scope's policy; null when they may.</summary>
    private static async Task<ProblemHttpResult?> RefusalAsync(long? conversationId, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        // The role first: it is the same for every id, so a member learns nothing of which conversations exist.
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        if (conversationId is { } id && !await db.Conversations.AnyAsync(c => c.Id == id && c.OrganizationId == me.OrganizationId, ct))
            return Problems.NotFound("conversation");
        return null;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveAsync(RetentionScope scope, ConversationKind? kind, long? conversationId,
        CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (await RefusalAsync(conversationId, me, db, ct) is { } refused)
            return refused;

        var now = clock.GetUtcNow();
        var key = RetentionPolicy.KeyOf(scope, kind, conversationId);
        await using var tx = await db.BeginWriteAsync(ct);
        var policy = await db.RetentionPolicies.SingleOrDefaultAsync(p => p.OrganizationId == me.OrganizationId && p.ScopeKey == key, ct);
        if (policy is null)
            return Problems.NotFound("retention policy");
        db.RetentionPolicies.Remove(policy);
        await db.AuditAsync(me, AuditAction.RetentionPolicyRemoved, "retention-policy", key,
            new { minimumDays = policy.MinimumDays, maximumDays = policy.MaximumDays }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }
}

public static class ComplianceAccess
{
    public static ProblemHttpResult Refused() =>
        Problems.Forbidden("compliance-only", "Only compliance officers, admins and owners manage retention and legal holds.");

    public static ProblemHttpResult KindInvalid() =>
        Problems.BadRequest("conversation-kind-invalid", "The kind of conversation is public, private, direct or group.");
}

public sealed record DryRunMessage(long MessageId, long Seq, DateTimeOffset CreatedAt);

public sealed record DryRunConversation(long ConversationId, string Policy, int Count, List<DryRunMessage> First);

public sealed record DryRunDto(DateTimeOffset At, int Total, List<DryRunConversation> Conversations);

/// <summary>What the next purge would erase, changing nothing: the same selection as the purge, at the same moment.</summary>
public static class RetentionDryRun
{
    public const int DefaultLimit = 20, MaxLimit = 1000;

    public static async Task<Results<Ok<DryRunDto>, ProblemHttpResult>> HandleAsync(
        int? limit, CurrentUser me, ParleyDb db, TimeProvider clock, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        if (limit is < 1 or > MaxLimit)
            return Problems.BadRequest("limit-invalid", $"The limit is 1 to {MaxLimit} messages per conversation.");
        var first = limit ?? DefaultLimit;

        return TypedResults.Ok(await ComputeAsync(db, me.OrganizationId, first, clock.GetUtcNow(), ct));
    }

    /// <summary>The dry run of one organization, with the first <paramref name="first"/> messages of each conversation (the API's and the command line's).</summary>
    public static async Task<DryRunDto> ComputeAsync(ParleyDb db, Guid organizationId, int first, DateTimeOffset now, CancellationToken ct)
    {
        var rules = await RetentionRules.LoadAsync(db, organizationId, now, ct);
        var found = new Dictionary<long, DryRunConversation>();
        long after = 0;
        while (await rules.NextPageAsync(db, after, 500, ct) is ({ } scanned, var purgeable))
        {
            foreach (var m in purgeable)
            {
                if (!found.TryGetValue(m.ConversationId, out var c))
                    found[m.ConversationId] = c = new DryRunConversation(m.ConversationId, m.Policy, 0, []);
                if (c.First.Count < first)
                    c.First.Add(new DryRunMessage(m.MessageId, m.Seq, m.CreatedAt));
                found[m.ConversationId] = c with { Count = c.Count + 1 };
            }
            after = scanned;
        }
        var conversations = found.Values.OrderBy(c => c.ConversationId).ToList();
        return new DryRunDto(now, conversations.Sum(c => c.Count), conversations);
    }
}

/// <summary>Runs the purge now for the caller's organization, and answers what it did.</summary>
public static class RunPurge
{
    public static async Task<Results<Ok<PurgeReport>, ProblemHttpResult>> HandleAsync(CurrentUser me, RetentionPurge purge, CancellationToken ct)
    {
        if (!me.Can(Capability.Compliance))
            return ComplianceAccess.Refused();
        return TypedResults.Ok(await purge.RunOnceAsync(me.OrganizationId, me.Id, ct));
    }
}
