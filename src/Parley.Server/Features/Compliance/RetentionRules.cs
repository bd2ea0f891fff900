using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Conversations;

namespace Parley.Server.Features.Compliance;

/// <summary>A message the next purge erases, and the policy (its scope key) that lets it go.</summary>
public sealed record PurgeCandidate(long MessageId, long ConversationId, long Seq, DateTimeOffset CreatedAt, string Policy);

/// <summary>
/// What retention means for one organization at one moment: its conversations, policies and active holds, loaded once.
/// The dry run and the purge both select through <see cref="NextPageAsync"/>, so the dry run lists exactly what the
/// purge then erases; <see cref="ProtectionAsync"/> is the rule every erasure obeys (RecordErasure asks it under its lock).
/// </summary>
public sealed class RetentionRules
{
    private readonly Dictionary<long, ConversationKind> _kinds;
    private readonly Dictionary<string, RetentionPolicy> _policies;
    private readonly List<LegalHold> _holds;
    private readonly DateTimeOffset _now;

    private RetentionRules(Guid organizationId, Dictionary<long, ConversationKind> kinds, List<RetentionPolicy> policies, List<LegalHold> holds,
        DateTimeOffset now)
    {
        OrganizationId = organizationId;
        _kinds = kinds;
        _policies = policies.ToDictionary(p => p.ScopeKey);
        _holds = holds;
        _now = now;
    }

    public Guid OrganizationId { get; }

    public static async Task<RetentionRules> LoadAsync(ParleyDb db, Guid organizationId, DateTimeOffset now, CancellationToken ct, long? conversationId = null)
    {
        var conversations = db.Conversations.AsNoTracking().Where(c => c.OrganizationId == organizationId);
        if (conversationId is { } only)
            conversations = conversations.Where(c => c.Id == only);
        var kinds = await conversations.Select(c => new { c.Id, c.Kind }).ToDictionaryAsync(c => c.Id, c => c.Kind, ct);
        var policies = await db.RetentionPolicies.AsNoTracking().Where(p => p.OrganizationId == organizationId).ToListAsync(ct);
        var holds = await db.LegalHolds.AsNoTracking().Where(h => h.OrganizationId == organizationId && h.ReleasedAt == null).ToListAsync(ct);
        return new RetentionRules(organizationId, kinds, policies, holds, now);
    }

    /// <summary>The policy that applies: the conversation's, else its kind's, else the organization's default, else none.</summary>
    public RetentionPolicy? PolicyFor(long conversationId) =>
        !_kinds.TryGetValue(conversationId, out var kind) ? null
        : _policies.GetValueOrDefault(RetentionPolicy.KeyOf(RetentionScope.Conversation, null, conversationId))
          ?? _policies.GetValueOrDefault(RetentionPolicy.KeyOf(RetentionScope.Kind, kind, null))
          ?? _policies.GetValueOrDefault(RetentionPolicy.KeyOf(RetentionScope.Organization, null, null));

    /// <summary>Messages sent before this are purged from the conversation; null when its policy purges nothing.</summary>
    public DateTimeOffset? CutoffFor(long conversationId)
    {
        if (PolicyFor(conversationId) is not { Maximum: { } maximum } policy)
            return null;
        var cutoff = _now - maximum;
        return policy.Minimum is { } minimum && _now - minimum < cutoff ? _now - minimum : cutoff;
    }

    /// <summary>
    /// Why a message must be kept now, as a problem code (<c>retention-minimum</c>, <c>legal-hold</c>), or null when it
    /// may be erased. <paramref name="texts"/> gives every recorded version of its text, read only when a hold names words.
    /// </summary>
    public async Task<string?> ProtectionAsync(long conversationId, Guid senderId, DateTimeOffset createdAt, Func<Task<IReadOnlyList<string>>> texts)
    {
        if (PolicyFor(conversationId) is { Minimum: { } minimum } && createdAt > _now - minimum)
            return "retention-minimum";
        IReadOnlyList<string>? known = null;
        foreach (var hold in _holds)
        {
            if (!Matches(hold, conversationId, senderId, createdAt))
                continue;
            if (hold.Words.Count == 0)
                return "legal-hold";
            known ??= await texts();
            if (hold.Words.Any(word => known.Any(text => Contains(text, word))))
                return "legal-hold";
        }
        return null;
    }

    private static bool Matches(LegalHold hold, long conversationId, Guid senderId, DateTimeOffset createdAt) =>
        (hold.Custodians.Count == 0 || hold.Custodians.Contains(senderId))
        && (hold.Conversations.Count == 0 || hold.Conversations.Contains(conversationId))
        && (hold.From is not { } from || createdAt >= from)
        && (hold.To is not { } to || createdAt < to);

    /// <summary>Case- and accent-insensitive, so that "resume" finds "Résumé" in French and English alike.</summary>
    private static bool Contains(string text, string word) =>
        CultureInfo.InvariantCulture.CompareInfo.IndexOf(text, word, CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace) >= 0;

    /// <summary>Every recorded version of a message's text (deleted and edited ones too), from its record entries.</summary>
    public static async Task<IReadOnlyList<string>> RecordedTextsAsync(ParleyDb db, long conversationId, long seq, CancellationToken ct)
    {
        var contents = await db.RecordEntries.AsNoTracking()
            .Where(r => r.ConversationId == conversationId && r.MessageSeq == seq && r.Content != null && r.Commitment != "")
            .Select(r => r.Content!).ToListAsync(ct);
        var texts = new List<string>();
        foreach (var content in contents)
        {
            using var json = JsonDocument.Parse(content);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("text", out var text) && text.GetString() is { } t)
                texts.Add(t);
        }
        return texts;
    }

    /// <summary>
    /// The next page of messages after <paramref name="afterId"/> (in id order) that still have content to erase and were
    /// sent before the latest cutoff, and of those the ones the purge erases. Already-erased messages are not found again,
    /// so a purge cut short resumes where it stopped. <c>ScannedUpTo</c> is null when nothing is left to scan.
    /// </summary>
    public async Task<(long? ScannedUpTo, List<PurgeCandidate> Purgeable)> NextPageAsync(ParleyDb db, long afterId, int pageSize, CancellationToken ct)
    {
        var cutoffs = _kinds.Keys.Select(id => (id, cutoff: CutoffFor(id))).Where(c => c.cutoff is not null).ToDictionary(c => c.id, c => c.cutoff!.Value);
        if (cutoffs.Count == 0)
            return (null, []);
        var latest = cutoffs.Values.Max();
        var page = await db.Messages.AsNoTracking()
            .Where(m => m.OrganizationId == OrganizationId && m.Id > afterId && m.CreatedAt < latest)
            .Where(m => db.RecordEntries.Any(r => r.ConversationId == m.ConversationId && r.MessageSeq == m.Seq && r.Content != null && r.Commitment != ""))
            .OrderBy(m => m.Id).Take(pageSize)
            .Select(m => new { m.Id, m.ConversationId, m.Seq, m.SenderId, m.CreatedAt })
            .ToListAsync(ct);
        if (page.Count == 0)
            return (null, []);
        var purgeable = new List<PurgeCandidate>();
        foreach (var m in page)
        {
            if (!cutoffs.TryGetValue(m.ConversationId, out var cutoff) || m.CreatedAt >= cutoff)
                continue;
            if (await ProtectionAsync(m.ConversationId, m.SenderId, m.CreatedAt, () => RecordedTextsAsync(db, m.ConversationId, m.Seq, ct)) is not null)
                continue;
            purgeable.Add(new PurgeCandidate(m.Id, m.ConversationId, m.Seq, m.CreatedAt, PolicyFor(m.ConversationId)!.ScopeKey));
        }
        return (page[^1].Id, purgeable);
    }
}

/// <summary>The rule every erasure obeys, whatever its reason: a retention minimum or a legal hold keeps the message.</summary>
public static class ErasureProtection
{
    /// <summary>The problem code that keeps the message (<c>retention-minimum</c>, <c>legal-hold</c>), or null.</summary>
    public static async Task<string?> KeptByAsync(this ParleyDb db, Guid organizationId, long conversationId, long seq, DateTimeOffset now,
        CancellationToken ct)
    {
        var message = await db.Messages.AsNoTracking()
            .Where(m => m.OrganizationId == organizationId && m.ConversationId == conversationId && m.Seq == seq)
            .Select(m => new { m.SenderId, m.CreatedAt }).SingleOrDefaultAsync(ct);
        if (message is null)
            return null;
        var rules = await RetentionRules.LoadAsync(db, organizationId, now, ct, conversationId);
        return await rules.ProtectionAsync(conversationId, message.SenderId, message.CreatedAt,
            () => RetentionRules.RecordedTextsAsync(db, conversationId, seq, ct));
    }
}
