using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Records;

namespace Parley.Server.Features.Compliance.Discovery;

/// <summary>A person as a message names them; name and email are empty for someone no longer in the organization's directory.</summary>
public sealed record DiscoveryPerson(Guid Id, string Name, string Email);

/// <summary>One version of a message's text, from its record entry: <c>posted</c> or <c>edited</c>; <c>Text</c> null once erased.</summary>
public sealed record DiscoveryVersion(long Entry, string Kind, DateTimeOffset At, string? Text, bool Erased);

/// <summary>A file sent with a message, by the hash its upload entry recorded; <c>Name</c> is empty once erased.</summary>
public sealed record DiscoveryFile(Guid Id, string Name, string Sha256, long Size, string ContentType);

/// <summary>
/// A message as the record knows it: every version of its text, its deletion, its files, and who was a member of the
/// conversation when it was sent (the membership entries before its <c>message-posted</c> entry).
/// </summary>
public sealed record DiscoveredMessage(long Id, long ConversationId, string? ConversationName, string ConversationKind, long Seq,
    DiscoveryPerson Sender, DateTimeOffset SentAt, long? ThreadRootId, IReadOnlyList<DiscoveryVersion> Versions,
    DateTimeOffset? DeletedAt, Guid? DeletedBy, IReadOnlyList<DiscoveryFile> Files, IReadOnlyList<DiscoveryPerson> MembersAtTime);

/// <summary>Finds messages for eDiscovery and reads them from the record, a batch at a time.</summary>
public static class DiscoveryReader
{
    private const int Batch = 200;

    /// <summary>
    /// Up to <paramref name="pageSize"/> matches after message <paramref name="after"/>, looking at no more than
    /// <paramref name="maxScanned"/> messages, so that a rare word does not turn one request into a scan of everything.
    /// <c>Next</c> is where to go on from, or null when nothing is left: a page may hold fewer matches than asked with a next.
    /// </summary>
    public static async Task<(List<DiscoveredMessage> Matches, long? Next)> PageAsync(ParleyDb db, Guid organizationId,
        DiscoveryCriteria criteria, long after, int pageSize, int maxScanned, CancellationToken ct)
    {
        var matches = new List<DiscoveryMessageRow>();
        var scanned = 0;
        var cursor = after;
        while (scanned < maxScanned)
        {
            var rows = await criteria.Query(db, organizationId).Where(m => m.Id > cursor).Take(Math.Min(Batch, maxScanned - scanned))
                .Select(m => new DiscoveryMessageRow(m.Id, m.ConversationId, m.Seq, m.SenderId, m.CreatedAt, m.ThreadRootId)).ToListAsync(ct);
            if (rows.Count == 0)
                return (await ReadAsync(db, organizationId, matches, ct), null);
            scanned += rows.Count;
            var texts = (criteria.Words ?? []).Count == 0 ? null : await TextsAsync(db, rows, ct);
            foreach (var row in rows)
            {
                cursor = row.Id;
                if (texts is null || criteria.MatchesWords(texts[row.Id]))
                    matches.Add(row);
                if (matches.Count == pageSize)
                    return (await ReadAsync(db, organizationId, matches, ct), row.Id);
            }
        }
        return (await ReadAsync(db, organizationId, matches, ct), cursor);
    }

    /// <summary>The conversations holding messages that match, in id order.</summary>
    public static async Task<List<long>> ConversationIdsAsync(ParleyDb db, Guid organizationId, DiscoveryCriteria criteria, CancellationToken ct)
    {
        if ((criteria.Words ?? []).Count == 0)
            return await criteria.Query(db, organizationId).Select(m => m.ConversationId).Distinct().OrderBy(id => id).ToListAsync(ct);
        var conversations = new SortedSet<long>();
        await foreach (var row in WordMatchesAsync(db, organizationId, criteria, ct))
            conversations.Add(row.ConversationId);
        return [.. conversations];
    }

    /// <summary>How many messages match, counting in batches (the words need the texts, which the database cannot compare).</summary>
    public static async Task<int> CountAsync(ParleyDb db, Guid organizationId, DiscoveryCriteria criteria, CancellationToken ct) =>
        (criteria.Words ?? []).Count == 0
            ? await criteria.Query(db, organizationId).CountAsync(ct)
            : await WordMatchesAsync(db, organizationId, criteria, ct).CountAsync(ct);

    /// <summary>The messages that match criteria with words, read in batches with their texts.</summary>
    private static async IAsyncEnumerable<DiscoveryMessageRow> WordMatchesAsync(ParleyDb db, Guid organizationId, DiscoveryCriteria criteria,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        for (long cursor = 0; ;)
        {
            var rows = await criteria.Query(db, organizationId).Where(m => m.Id > cursor).Take(Batch)
                .Select(m => new DiscoveryMessageRow(m.Id, m.ConversationId, m.Seq, m.SenderId, m.CreatedAt, m.ThreadRootId)).ToListAsync(ct);
            if (rows.Count == 0)
                yield break;
            var texts = await TextsAsync(db, rows, ct);
            foreach (var row in rows.Where(r => criteria.MatchesWords(texts[r.Id])))
                yield return row;
            cursor = rows[^1].Id;
        }
    }

    private sealed record DiscoveryMessageRow(long Id, long ConversationId, long Seq, Guid SenderId, DateTimeOffset CreatedAt, long? ThreadRootId);

    private static async Task<Dictionary<long, List<string?>>> TextsAsync(ParleyDb db, List<DiscoveryMessageRow> rows, CancellationToken ct)
    {
        var entries = await EntriesAsync(db, rows, ct);
        return rows.ToDictionary(r => r.Id, r => entries.GetValueOrDefault((r.ConversationId, r.Seq), [])
            .Where(e => e.Kind is RecordKind.MessagePosted or RecordKind.MessageEdited).Select(e => TextOf(e.Content)).ToList());
    }

    private static async Task<Dictionary<(long, long), List<RecordEntry>>> EntriesAsync(ParleyDb db, List<DiscoveryMessageRow> rows, CancellationToken ct)
    {
        var found = new List<RecordEntry>();
        foreach (var conversation in rows.GroupBy(r => r.ConversationId))
        {
            var seqs = conversation.Select(r => r.Seq).ToList();
            found.AddRange(await db.RecordEntries.AsNoTracking()
                .Where(r => r.ConversationId == conversation.Key && seqs.Contains(r.MessageSeq)
                    && (r.Kind == RecordKind.MessagePosted || r.Kind == RecordKind.MessageEdited || r.Kind == RecordKind.MessageDeleted))
                .ToListAsync(ct));
        }
        return found.GroupBy(e => (e.ConversationId, e.MessageSeq)).ToDictionary(g => g.Key, g => g.OrderBy(e => e.Index).ToList());
    }

    private static async Task<List<DiscoveredMessage>> ReadAsync(ParleyDb db, Guid organizationId, List<DiscoveryMessageRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
            return [];
        var entries = await EntriesAsync(db, rows, ct);
        var conversationIds = rows.Select(r => r.ConversationId).Distinct().ToList();
        var conversations = await db.Conversations.AsNoTracking().Where(c => c.OrganizationId == organizationId && conversationIds.Contains(c.Id))
            .Select(c => new { c.Id, c.Name, c.Kind }).ToDictionaryAsync(c => c.Id, ct);
        var membership = await db.RecordEntries.AsNoTracking()
            .Where(r => conversationIds.Contains(r.ConversationId) && (r.Kind == RecordKind.MemberAdded || r.Kind == RecordKind.MemberJoined
                || r.Kind == RecordKind.MemberLeft || r.Kind == RecordKind.MemberRemoved))
            .OrderBy(r => r.Index).Select(r => new { r.ConversationId, r.Index, r.Kind, r.Data }).ToListAsync(ct);
        var messageIds = rows.Select(r => r.Id).ToList();
        var fileNames = await db.Files.AsNoTracking().Where(f => f.OrganizationId == organizationId && f.MessageId != null && messageIds.Contains(f.MessageId.Value))
            .ToDictionaryAsync(f => f.Id, f => f.FileName, ct);

        var result = new List<(DiscoveryMessageRow Row, long Posted, List<RecordEntry> Entries)>();
        foreach (var row in rows)
        {
            var own = entries.GetValueOrDefault((row.ConversationId, row.Seq), []);
            result.Add((row, own.FirstOrDefault(e => e.Kind == RecordKind.MessagePosted)?.Index ?? long.MaxValue, own));
        }
        var members = result.ToDictionary(r => r.Row.Id, r =>
        {
            var present = new List<Guid>();
            foreach (var m in membership.Where(m => m.ConversationId == r.Row.ConversationId && m.Index < r.Posted))
            {
                var user = UserOf(m.Data);
                if (user is null)
                    continue;
                present.Remove(user.Value);
                if (m.Kind is RecordKind.MemberAdded or RecordKind.MemberJoined)
                    present.Add(user.Value);
            }
            return present;
        });
        var userIds = rows.Select(r => r.SenderId).Concat(members.Values.SelectMany(m => m)).Distinct().ToList();
        var people = await db.Users.AsNoTracking().Where(u => u.OrganizationId == organizationId && userIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => new DiscoveryPerson(u.Id, u.DisplayName, u.Email), ct);
        DiscoveryPerson Person(Guid id) => people.GetValueOrDefault(id) ?? new DiscoveryPerson(id, "", "");

        return [.. result.Select(r =>
        {
            var conversation = conversations[r.Row.ConversationId];
            var versions = r.Entries.Where(e => e.Kind is RecordKind.MessagePosted or RecordKind.MessageEdited)
                .Select(e => new DiscoveryVersion(e.Index, e.Kind == RecordKind.MessagePosted ? "posted" : "edited", e.At, TextOf(e.Content), e.IsErased))
                .ToList();
            var deleted = r.Entries.FirstOrDefault(e => e.Kind == RecordKind.MessageDeleted);
            var files = FilesOf(r.Entries.FirstOrDefault(e => e.Kind == RecordKind.MessagePosted)?.Data, fileNames);
            return new DiscoveredMessage(r.Row.Id, r.Row.ConversationId, conversation.Name, RecordFacts.KindName(conversation.Kind), r.Row.Seq,
                Person(r.Row.SenderId), r.Row.CreatedAt, r.Row.ThreadRootId, versions, deleted?.At, deleted?.ActorId, files,
                [.. members[r.Row.Id].Select(Person)]);
        })];
    }

    private static string? TextOf(string? content)
    {
        if (content is null)
            return null;
        using var json = JsonDocument.Parse(content);
        return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("text", out var text) ? text.GetString() : null;
    }

    private static Guid? UserOf(string? data)
    {
        if (data is null)
            return null;
        using var json = JsonDocument.Parse(data);
        return json.RootElement.TryGetProperty("user", out var user) && Guid.TryParse(user.GetString(), out var id) ? id : null;
    }

    private static List<DiscoveryFile> FilesOf(string? postedData, Dictionary<Guid, string> names)
    {
        if (postedData is null)
            return [];
        using var json = JsonDocument.Parse(postedData);
        if (!json.RootElement.TryGetProperty("files", out var files) || files.ValueKind != JsonValueKind.Array)
            return [];
        return [.. files.EnumerateArray().Select(f =>
        {
            var id = Guid.Parse(f.GetProperty("file").GetString()!);
            return new DiscoveryFile(id, names.GetValueOrDefault(id, ""), f.GetProperty("sha256").GetString()!, f.GetProperty("size").GetInt64(),
                f.GetProperty("type").GetString() ?? "application/octet-stream");
        })];
    }
}
