using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records.Log;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Records;

/// <param name="Chain">audit, conversation, log (the Merkle log, its tiles and checkpoints), or file.</param>
/// <param name="Index">The first entry that does not check out (its position in its chain); for a row that differs from
/// the record, the last entry about it.</param>
/// <param name="Leaf">Its leaf in the organization's log, when it has one.</param>
public sealed record BrokenLinkDto(string Chain, long? ConversationId, long Index, string Problem, long? Leaf = null);

/// <param name="LogSize">Leaves in the organization's log, all checked.</param>
/// <param name="Root">Their RFC 9162 root, hex.</param>
public sealed record IntegrityReportDto(bool Intact, int ConversationsChecked, long EntriesChecked, long AuditEventsChecked, BrokenLinkDto? FirstBroken,
    long LogSize = 0, string? Root = null, int CheckpointsChecked = 0, int FilesChecked = 0);

public static class VerifyIntegrity
{
    /// <summary>
    /// Takes every entry into the organization's log, then checks it all as docs/record-format.md says: each leaf, chain,
    /// opening and step of the history; the log's root, tiles and signed checkpoints; and what users see (messages,
    /// reactions, members, conversations, files and their bytes) against what the record says. Names the first failure.
    /// </summary>
    public static async Task<Results<Ok<IntegrityReportDto>, ProblemHttpResult>> HandleAsync(CurrentUser me, ParleyDb db,
        RecordSequencer sequencer, MarkdownRenderer markdown, FileStore files, CancellationToken ct)
    {
        if (!me.Can(Capability.ReadRecord))
            return Problems.Forbidden("admin-only", "Only admins and compliance officers can verify the record.");
        await sequencer.SequenceAsync(me.OrganizationId, ct);
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        return TypedResults.Ok(await new IntegrityCheck(db, me.OrganizationId, markdown, files).RunAsync(ct));
    }
}

/// <summary>One run of the check over one organization; see <see cref="VerifyIntegrity"/>.</summary>
internal sealed class IntegrityCheck(ParleyDb db, Guid organizationId, MarkdownRenderer markdown, FileStore files)
{
    private const int Batch = 1000;
    private readonly RecordVerifier _verifier = new(organizationId);
    private long _entries, _audits;
    private int _checkpoints, _files;

    public async Task<IntegrityReportDto> RunAsync(CancellationToken ct)
    {
        var broken = await LeavesAsync(ct) ?? Link(_verifier.Finish()) ?? await HeadsAsync(ct) ?? MissingLeaf() ?? await LogAsync(ct);
        if (broken is null)
            foreach (var c in _verifier.Conversations.Values.OrderBy(c => c.Id))
                if ((broken = await ConversationAsync(c, ct)) is not null)
                    break;
        return new IntegrityReportDto(broken is null, _verifier.Conversations.Count, _entries, _audits, broken,
            _verifier.Size, Convert.ToHexStringLower(_verifier.Root()), _checkpoints, _files);
    }

    private static BrokenLinkDto? Link(RecordFinding? f) => f is null ? null : new BrokenLinkDto(
        f.Chain.StartsWith("conversation", StringComparison.Ordinal) ? "conversation" : f.Chain.Length == 0 ? "log" : f.Chain,
        f.Chain.StartsWith("conversation ", StringComparison.Ordinal) ? long.Parse(f.Chain["conversation ".Length..], System.Globalization.CultureInfo.InvariantCulture) : null,
        f.Index ?? 0, f.Problem, f.Leaf);

    private readonly Dictionary<long, byte[]> _rootsAt = [];

    private BrokenLinkDto? MissingLeaf() => _verifier.FirstMissingLeaf is { } leaf
        ? new("log", null, 0, $"leaf {leaf} is missing from the organization's log", leaf)
        : null;

    /// <summary>Every leaf in order, each row first checked against its own hash, then through the verifier.</summary>
    private async Task<BrokenLinkDto?> LeavesAsync(CancellationToken ct)
    {
        var sizes = (await db.Checkpoints.Where(c => c.OrganizationId == organizationId).Select(c => c.Size).ToListAsync(ct)).ToHashSet();
        for (long from = 0; ; from += Batch)
        {
            var to = from + Batch;
            var records = await db.RecordEntries.Where(r => r.OrganizationId == organizationId && r.LeafIndex >= from && r.LeafIndex < to).ToListAsync(ct);
            var audits = await db.AuditEvents.Where(a => a.OrganizationId == organizationId && a.LeafIndex >= from && a.LeafIndex < to).ToListAsync(ct);
            var leaves = records.Select(r => (Leaf: r.LeafIndex!.Value, Row: (object)r)).Concat(audits.Select(a => (Leaf: a.LeafIndex!.Value, Row: (object)a)))
                .OrderBy(l => l.Leaf).ToList();
            foreach (var (leaf, row) in leaves)
            {
                if (sizes.Contains(_verifier.Size))
                    _rootsAt[_verifier.Size] = _verifier.Root();
                if (Leaf(leaf, row) is { } broken)
                    return broken;
            }
            if (leaves.Count == 0 || await NothingAfterAsync(to, ct))
                break;
        }
        _rootsAt[_verifier.Size] = _verifier.Root();

        // Entries the sequencer did not take in: it stops before an entry that does not match its hash; name that one.
        var strays = await db.RecordEntries.Where(r => r.OrganizationId == organizationId && r.LeafIndex == null).OrderBy(r => r.Id).ToListAsync(ct);
        if ((strays.FirstOrDefault(r => !HashMatches(r)) ?? strays.FirstOrDefault()) is { } stray)
            return new BrokenLinkDto("conversation", stray.ConversationId, stray.Index,
                !HashMatches(stray) ? "its fields do not match its hash" : "it is not in the organization's log");
        var strayAudits = await db.AuditEvents.Where(a => a.OrganizationId == organizationId && a.LeafIndex == null).OrderBy(a => a.Id).ToListAsync(ct);
        if ((strayAudits.FirstOrDefault(a => a.Hash != a.ComputeHash()) ?? strayAudits.FirstOrDefault()) is { } strayAudit)
            return new BrokenLinkDto("audit", null, strayAudit.Index,
                strayAudit.Hash != strayAudit.ComputeHash() ? "its content does not match its hash" : "it is not in the organization's log");
        return null;
    }

    /// <summary>False also when a field cannot be read back at all (data that is not JSON).</summary>
    private static bool HashMatches(RecordEntry r)
    {
        try
        {
            return r.Hash == r.ComputeHash();
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private async Task<bool> NothingAfterAsync(long from, CancellationToken ct) =>
        !await db.RecordEntries.AnyAsync(r => r.OrganizationId == organizationId && r.LeafIndex >= from, ct) &&
        !await db.AuditEvents.AnyAsync(a => a.OrganizationId == organizationId && a.LeafIndex >= from, ct);

    private BrokenLinkDto? Leaf(long leaf, object row)
    {
        if (row is RecordEntry r)
        {
            _entries++;
            if (r.OrganizationId != organizationId)
                return new("conversation", r.ConversationId, r.Index, "belongs to another organization", leaf);
            if (!HashMatches(r))
                return new("conversation", r.ConversationId, r.Index, "its fields do not match its hash", leaf);
            return Link(_verifier.Add(leaf, r.Leaf(), r.Content, r.Salt));
        }
        var a = (AuditEvent)row;
        _audits++;
        if (a.Hash != a.ComputeHash())
            return new("audit", null, a.Index, "its content does not match its hash", leaf);
        if (!a.ContentMatchesCommitment())
            return new("audit", null, a.Index, "its personal data does not match its commitment", leaf);
        return Link(_verifier.Add(leaf, a.Leaf(), a.Version >= 2 && a.Salt is not null ? a.CommittedContent() : null, a.Version >= 2 ? a.Salt : null));
    }

    /// <summary>The log's head, its tiles and every checkpoint agree with the leaves.</summary>
    private async Task<BrokenLinkDto?> LogAsync(CancellationToken ct)
    {
        var root = _verifier.Root();
        var log = await db.RecordLogs.SingleOrDefaultAsync(l => l.OrganizationId == organizationId, ct);
        if ((log?.Size ?? 0) != _verifier.Size || (_verifier.Size > 0 && log!.Root != Convert.ToHexStringLower(root)))
            return new("log", null, 0, $"the log's head ({log?.Size ?? 0} leaves) does not match its {_verifier.Size} leaves");
        if (_verifier.Size > 0)
        {
            var tree = new TiledTree(new DatabaseTileStore(db, organizationId));
            byte[]? stored;
            try
            {
                stored = await tree.RootAsync(_verifier.Size, ct);
            }
            catch (InvalidOperationException)
            {
                stored = null;       // a tile missing, moved or cut short: the tree cannot be read back
            }
            if (stored is null || !stored.AsSpan().SequenceEqual(root))
                return new("log", null, 0, "the log's stored tree does not match its leaves");
        }
        var keys = await db.SigningKeys.Where(k => k.OrganizationId == organizationId).Select(k => k.VerifierKey).ToListAsync(ct);
        foreach (var c in await db.Checkpoints.Where(c => c.OrganizationId == organizationId).OrderBy(c => c.Id).ToListAsync(ct))
        {
            _checkpoints++;
            var check = NoteVerifier.Verify(c.Note, keys);
            if (!check.Valid || !Checkpoint.TryParse(check.Body!, out var parsed) || parsed is null)
                return new("log", null, c.Size, $"checkpoint {c.Size} does not verify with the organization's keys ({check.Problem})");
            if (parsed.Size != c.Size || !_rootsAt.TryGetValue(c.Size, out var expected) || !parsed.Root.AsSpan().SequenceEqual(expected) ||
                c.Root != Convert.ToHexStringLower(expected))
                return new("log", null, c.Size, $"checkpoint {c.Size} does not match the log's first {c.Size} leaves");
        }
        return null;
    }

    /// <summary>Each chain's head, as the conversation and organization rows keep it, is where its entries end.</summary>
    private async Task<BrokenLinkDto?> HeadsAsync(CancellationToken ct)
    {
        var org = await db.Organizations.Where(o => o.Id == organizationId).Select(o => new { o.AuditCount, o.AuditHead }).SingleAsync(ct);
        if (org.AuditCount != _verifier.Audit.LastIndex || org.AuditHead != _verifier.Audit.Head)
            return new("audit", null, _verifier.Audit.LastIndex + 1, "the chain ends before its recorded head");
        var rows = await db.Conversations.Where(c => c.OrganizationId == organizationId)
            .Select(c => new { c.Id, c.LastEntryIndex, c.HeadHash, c.LastMessageSeq }).ToListAsync(ct);
        foreach (var c in rows.OrderBy(c => c.Id))
        {
            var state = _verifier.Conversations.GetValueOrDefault(c.Id);
            if (c.LastEntryIndex != (state?.LastIndex ?? 0) || c.HeadHash != (state?.Head ?? ""))
                return new("conversation", c.Id, (state?.LastIndex ?? 0) + 1, "the chain ends before its recorded head");
            if (c.LastMessageSeq != (state?.LastSeq ?? 0))
                return new("conversation", c.Id, state?.LastIndex ?? 0, $"the conversation counts {c.LastMessageSeq} messages, the record {state?.LastSeq ?? 0}");
        }
        if (_verifier.Conversations.Keys.Except(rows.Select(r => r.Id)).Order().FirstOrDefault() is > 0 and var gone)
            return new("conversation", gone, 1, "the conversation's row is missing");
        return null;
    }

    /// <summary>What users see of one conversation is what its record says.</summary>
    private async Task<BrokenLinkDto?> ConversationAsync(ConversationState state, CancellationToken ct)
    {
        BrokenLinkDto Differs(long index, string what) => new("conversation", state.Id, index, what);
        var c = await db.Conversations.SingleAsync(x => x.Id == state.Id, ct);
        if (state.MembershipKnown && Records.RecordFacts.KindName(c.Kind) != state.Kind)
            return Differs(1, "the conversation's kind differs from the record");
        if ((state.NameKnown || (state.MembershipKnown && !state.IsChannel)) && c.Name != state.Name)
            return Differs(state.LastIndex, "the conversation's name differs from the record");
        if (state.MembershipKnown && state.TopicKnown && c.Topic != state.Topic)
            return Differs(state.LastIndex, "the conversation's topic differs from the record");
        if (state.MembershipKnown && (c.CreatedBy != state.CreatedBy || c.CreatedAt.ToUnixTimeMilliseconds() != state.CreatedAt))
            return Differs(1, "the conversation's creator or creation time differs from the record");
        if (c.IsArchived != state.Archived || (state.MembershipKnown && c.ArchivedAt?.ToUnixTimeMilliseconds() != state.ArchivedAt))
            return Differs(state.LastIndex, "the conversation's archive differs from the record");

        if (state.MembershipKnown)
        {
            var members = await db.ConversationMembers.Where(m => m.ConversationId == state.Id)
                .Select(m => new { m.UserId, m.Role, m.OrganizationId, m.JoinedAt }).ToListAsync(ct);
            var actual = members.Select(m => $"{m.UserId}:{RecordFacts.RoleName(m.Role)}:{m.JoinedAt.ToUnixTimeMilliseconds()}" +
                $"{(m.OrganizationId == organizationId ? "" : ":elsewhere")}").Order().ToList();
            var expected = state.Members.Select(m => $"{m.Key}:{m.Value}:{state.MemberSince[m.Key]}").Order().ToList();
            if (!actual.SequenceEqual(expected))
                return Differs(state.LastIndex, "the conversation's members differ from the record");
        }

        // Messages and their reactions in slices of seq, read without tracking: memory stays bounded by the slice, not
        // by the conversation (a channel may hold millions).
        var seqOfId = (await db.Messages.Where(m => m.ConversationId == state.Id).Select(m => new { m.Id, m.Seq }).ToListAsync(ct))
            .ToDictionary(m => m.Id, m => m.Seq);
        for (long after = 0; ;)
        {
            var from = after;
            var messages = await db.Messages.AsNoTracking().Where(m => m.ConversationId == state.Id && m.Seq > from)
                .OrderBy(m => m.Seq).Take(Batch).ToListAsync(ct);
            if (messages.Count == 0)
                break;
            var to = messages[^1].Seq;
            var reactions = (await db.Reactions.Where(r => db.Messages.Any(m => m.Id == r.MessageId && m.ConversationId == state.Id && m.Seq > from && m.Seq <= to))
                .Select(r => new { r.MessageId, r.UserId, r.Emoji, r.CreatedAt }).ToListAsync(ct)).ToLookup(r => r.MessageId);
            foreach (var m in messages)
            {
                if (!state.Messages.TryGetValue(m.Seq, out var s))
                    return Differs(state.LastIndex, $"message {m.Seq} is not in the record");
                if (MessageDifference(m, s, seqOfId) is { } what)
                    return Differs(s.Position, $"message {m.Seq} differs from the record: {what}");
                if (s.ReactionsKnown)
                {
                    // Each reaction with the time it was added, where the record says (version 2).
                    string Time((Guid, string) r, DateTimeOffset? at) => s.ReactedAt.ContainsKey(r) ? $":{at?.ToUnixTimeMilliseconds() ?? s.ReactedAt[r]}" : "";
                    var actual = reactions[m.Id].Select(r => $"{r.UserId}:{r.Emoji}{Time((r.UserId, r.Emoji), r.CreatedAt)}").Order(StringComparer.Ordinal);
                    if (!actual.SequenceEqual(s.Reactions.Select(r => $"{r.User}:{r.Emoji}{Time(r, null)}").Order(StringComparer.Ordinal)))
                        return Differs(s.Position, $"message {m.Seq} differs from the record: its reactions");
                }
            }
            after = to;
        }
        var present = seqOfId.Values.ToHashSet();
        if (state.Messages.Keys.Where(seq => !present.Contains(seq)).Order().FirstOrDefault() is > 0 and var missing)
            return Differs(state.Messages[missing].Position, $"message {missing} is missing from the message table");

        var rows = await db.Files.Where(f => f.ConversationId == state.Id).ToListAsync(ct);
        foreach (var f in rows.OrderBy(f => f.Id))
        {
            if (!state.Files.TryGetValue(f.Id, out var s))
            {
                if (state.MembershipKnown)
                    return new("file", state.Id, state.LastIndex, $"file {f.Id} is not in the record");
                continue;      // uploaded before files were recorded
            }
            var what = f.OrganizationId != organizationId ? "its organization"
                : f.Sha256 != s.Sha256 ? "its hash" : f.Size != s.Size ? "its size" : f.ContentType != s.Type ? "its type"
                : f.UploaderId != s.Uploader ? "who uploaded it" : f.CreatedAt.ToUnixTimeMilliseconds() != s.At ? "when it was uploaded" : !s.Erased && f.FileName != s.Name ? "its name"
                : (f.MessageId is { } id ? seqOfId.GetValueOrDefault(id) : (long?)null) != s.MessageSeq ? "the message that carries it"
                : (f.ErasedAt is not null) != s.Erased ? "whether it was erased"
                : null;
            if (what is not null)
                return new("file", state.Id, s.UploadIndex, $"file {f.Id} differs from the record: {what}");
            if (s.Erased)
                continue;
            _files++;
            var found = await files.MeasureAsync(organizationId, f.Sha256, ct);
            if (!found.Matches(s.Sha256, s.Size))
                return new("file", state.Id, s.UploadIndex, found.Exists
                    ? $"file {f.Id}'s stored bytes do not match its recorded SHA-256" : $"file {f.Id}'s stored bytes are missing");
        }
        if (state.Files.Keys.Except(rows.Select(f => f.Id)).FirstOrDefault() is var gone && gone != Guid.Empty)
            return new("file", state.Id, state.Files[gone].UploadIndex, $"file {gone} is missing from the file table");
        return null;
    }

    private string? MessageDifference(Message m, MessageState s, Dictionary<long, long> seqOfId)
    {
        if (m.OrganizationId != organizationId)
            return "its organization";
        if (m.SenderId != s.Sender)
            return "its sender";
        if (m.CreatedAt.ToUnixTimeMilliseconds() != s.At)
            return "its time";
        if (s.ThreadKnown && (m.ThreadRootId is { } root ? seqOfId.GetValueOrDefault(root, -1) : (long?)null) != s.Thread)
            return "its thread";
        if (m.Position != s.Position)
            return "its position";
        if (m.DeletedAt?.ToUnixTimeMilliseconds() != s.DeletedAt || m.DeletedBy != s.DeletedBy)
            return "its deletion";
        if (m.EditedAt?.ToUnixTimeMilliseconds() != s.EditedAt)
            return "its edit";
        if (m.PinnedAt?.ToUnixTimeMilliseconds() != s.PinnedAt || m.PinnedBy != s.PinnedBy)
            return "its pin";
        if (m.ReplyCount != s.ReplyCount || m.LastReplyAt?.ToUnixTimeMilliseconds() != s.LastReplyAt)
            return "its replies";
        if (m.IsDeleted || s.ContentErased)
            return m.Content.Length == 0 && m.Html.Length == 0 ? null : "its text, which was deleted or erased";
        if (m.Content != s.Text)
            return "its text";
        if (s.Html is not null && m.Html != s.Html)
            return "its HTML";
        // What users see is what the pinned renderer makes of the recorded text.
        if (s.Renderer == MarkdownRenderer.Version && markdown.Render(s.Text ?? "").Html != m.Html)
            return "its HTML, which is not what its text renders to";
        return null;
    }
}
