using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Messages;
using Parley.Server.Platform;

namespace Parley.Server.Features.Records;

/// <param name="Chain">audit, or conversation.</param>
/// <param name="Index">The first entry that does not check out (its position in its chain); for a message row that differs
/// from the record, the last entry about that message.</param>
public sealed record BrokenLinkDto(string Chain, long? ConversationId, long Index, string Problem);

public sealed record IntegrityReportDto(bool Intact, int ConversationsChecked, long EntriesChecked, long AuditEventsChecked, BrokenLinkDto? FirstBroken);

public static class VerifyIntegrity
{
    private const int Batch = 1000;

    /// <summary>
    /// Recomputes the organization's audit chain and every conversation's record chain, checks each content against its
    /// commitment and the message table against the record, and names the first entry that fails. Admins only.
    /// </summary>
    public static async Task<Results<Ok<IntegrityReportDto>, ProblemHttpResult>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.IsAdmin)
            return Problems.Forbidden("admin-only", "Only admins can verify the record.");
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;

        var (auditChecked, auditBroken) = await VerifyAuditAsync(db, me.OrganizationId, ct);
        if (auditBroken is not null)
            return TypedResults.Ok(new IntegrityReportDto(false, 0, 0, auditChecked, auditBroken));

        var conversations = await db.Conversations.Where(c => c.OrganizationId == me.OrganizationId)
            .OrderBy(c => c.Id).Select(c => new { c.Id, c.LastEntryIndex, c.HeadHash }).ToListAsync(ct);
        long entriesChecked = 0;
        foreach (var c in conversations)
        {
            var (count, broken) = await VerifyConversationAsync(db, me.OrganizationId, c.Id, c.LastEntryIndex, c.HeadHash, ct);
            entriesChecked += count;
            if (broken is not null)
                return TypedResults.Ok(new IntegrityReportDto(false, conversations.Count, entriesChecked, auditChecked, broken));
        }
        return TypedResults.Ok(new IntegrityReportDto(true, conversations.Count, entriesChecked, auditChecked, null));
    }

    private static async Task<(long, BrokenLinkDto?)> VerifyAuditAsync(ParleyDb db, Guid organizationId, CancellationToken ct)
    {
        var head = await db.Organizations.Where(o => o.Id == organizationId).Select(o => new { o.AuditCount, o.AuditHead }).SingleAsync(ct);
        var previous = ChainHash.Genesis;
        long expected = 1;
        while (true)
        {
            var batch = await db.AuditEvents.Where(a => a.OrganizationId == organizationId && a.Index >= expected)
                .OrderBy(a => a.Index).Take(Batch).ToListAsync(ct);
            foreach (var a in batch)
            {
                var problem = a.Index != expected ? $"entry {expected} is missing"
                    : a.PreviousHash != previous ? "does not link to the entry before it"
                    : a.Hash != a.ComputeHash() ? "its content does not match its hash"
                    : null;
                if (problem is not null)
                    return (expected - 1, new BrokenLinkDto("audit", null, expected, problem));
                previous = a.Hash;
                expected++;
            }
            if (batch.Count < Batch)
                break;
        }
        if (expected - 1 != head.AuditCount || previous != head.AuditHead)
            return (expected - 1, new BrokenLinkDto("audit", null, expected, "the chain ends before its recorded head"));
        return (expected - 1, null);
    }

    private static async Task<(long, BrokenLinkDto?)> VerifyConversationAsync(ParleyDb db, Guid organizationId, long conversationId,
        long headIndex, string headHash, CancellationToken ct)
    {
        var previous = ChainHash.Genesis;
        long expected = 1;
        var latestText = new Dictionary<long, string?>();
        var deleted = new HashSet<long>();
        var lastEntryOf = new Dictionary<long, long>();          // message seq → index of the last entry about it
        while (true)
        {
            var batch = await db.RecordEntries.Where(r => r.ConversationId == conversationId && r.Index >= expected)
                .OrderBy(r => r.Index).Take(Batch).ToListAsync(ct);
            foreach (var r in batch)
            {
                var problem = r.Index != expected ? $"entry {expected} is missing"
                    : r.OrganizationId != organizationId ? "belongs to another organization"
                    : r.PreviousHash != previous ? "does not link to the entry before it"
                    : !r.ContentMatchesCommitment() ? "its content was changed after it was written"
                    : r.Hash != r.ComputeHash() ? "its fields do not match its hash"
                    : null;
                if (problem is not null)
                    return (expected - 1, new BrokenLinkDto("conversation", conversationId, expected, problem));
                if (r.Kind is RecordKind.MessagePosted or RecordKind.MessageEdited)
                    latestText[r.MessageSeq] = r.Content is null ? null : JsonSerializer.Deserialize<MessageRecordContent>(r.Content, JsonSerializerOptions.Web)?.Text;
                if (r.Kind == RecordKind.MessageDeleted)
                    deleted.Add(r.MessageSeq);
                lastEntryOf[r.MessageSeq] = r.Index;
                previous = r.Hash;
                expected++;
            }
            if (batch.Count < Batch)
                break;
        }
        var count = expected - 1;
        if (count != headIndex || previous != headHash)
            return (count, new BrokenLinkDto("conversation", conversationId, expected, "the chain ends before its recorded head"));

        // The message table is derived from the record: what users see must be what the record says.
        var messages = db.Messages.Where(m => m.ConversationId == conversationId).Select(m => new { m.Seq, m.Content, m.DeletedAt }).AsAsyncEnumerable();
        var seen = new HashSet<long>();
        await foreach (var m in messages.WithCancellation(ct))
        {
            seen.Add(m.Seq);
            var mismatch = m.DeletedAt is not null != deleted.Contains(m.Seq)
                || (m.DeletedAt is null && latestText.TryGetValue(m.Seq, out var text) && text is not null && text != m.Content)
                || !latestText.ContainsKey(m.Seq);
            if (mismatch)
                return (count, new BrokenLinkDto("conversation", conversationId, lastEntryOf.GetValueOrDefault(m.Seq),
                    $"message {m.Seq} differs from the record"));
        }
        // Messages are never removed, only tombstoned: a row gone from the table hides what the record says was posted.
        if (latestText.Keys.Where(seq => !seen.Contains(seq)).Order().FirstOrDefault() is > 0 and var missing)
            return (count, new BrokenLinkDto("conversation", conversationId, lastEntryOf[missing], $"message {missing} is missing from the message table"));
        return (count, null);
    }
}
