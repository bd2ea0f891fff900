using System.Globalization;
using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Records;

namespace Parley.Server.Features.Compliance.Gdpr;

/// <summary>
/// Writes one person's data into a ZIP archive in the layout docs/compliance.md describes ("Access and portability").
/// Every list is read in keyset batches and written as it comes, so memory does not grow with the person's history.
/// </summary>
/// <param name="batch">Rows read per query; smaller only in tests, to page through a short history.</param>
internal sealed class PersonalDataWriter(ParleyDb db, FileStore files, User person, ZipArchive zip, int batch = 1000)
{
    public const string Format = "parley-personal-data/1";

    private static readonly JsonWriterOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
    private static readonly RecordKind[] Sent = [RecordKind.MessagePosted, RecordKind.MessageEdited, RecordKind.MessageDeleted];
    private static readonly RecordKind[] Joins = [RecordKind.MemberJoined, RecordKind.MemberAdded];
    private static readonly RecordKind[] Leaves = [RecordKind.MemberLeft, RecordKind.MemberRemoved];

    private Guid OrganizationId => person.OrganizationId;

    /// <summary>What the archive holds, as counts: the audit entry of the export says it.</summary>
    public sealed record Summary(int Versions, int Uploads, int Conversations, int Seen, int AuditEntries);

    public async Task<Summary> WriteAsync(Guid requestedBy, DateTimeOffset now, CancellationToken ct)
    {
        var organization = await db.Organizations.Where(o => o.Id == OrganizationId).Select(o => o.Name).SingleAsync(ct);
        await WriteObjectAsync("manifest.json", w =>
        {
            w.WriteString("format", Format);
            w.WriteString("organization", OrganizationId);
            w.WriteString("organizationName", organization);
            w.WriteString("person", person.Id);
            w.WriteString("requestedBy", requestedBy);
            w.WriteString("createdAt", Time(now));
        }, ct);
        await ProfileAsync(ct);
        await SessionsAsync(ct);
        var versions = await SentAsync(ct);
        var uploads = await UploadsAsync(ct);
        var (conversations, seen) = await ConversationsAsync(ct);
        var audit = await AuditAsync(ct);
        return new Summary(versions, uploads, conversations, seen, audit);
    }

    private async Task ProfileAsync(CancellationToken ct)
    {
        var twoFactor = await db.TwoFactorSecrets.AnyAsync(t => t.UserId == person.Id && t.ConfirmedAt != null, ct);
        await WriteObjectAsync("profile.json", w =>
        {
            w.WriteString("id", person.Id);
            w.WriteString("email", person.Email);
            w.WriteString("displayName", person.DisplayName);
            w.WriteString("handle", person.Handle);
            w.WriteString("role", AccountDtos.RoleName(person.Role));
            w.WriteString("createdAt", Time(person.CreatedAt));
            w.WriteString("deactivatedAt", Time(person.DeactivatedAt));
            w.WriteBoolean("twoFactor", twoFactor);
        }, ct);
    }

    private async Task SessionsAsync(CancellationToken ct)
    {
        var sessions = await db.Sessions.Where(s => s.UserId == person.Id).OrderBy(s => s.CreatedAt).ToListAsync(ct);
        await WriteLinesAsync("sessions.jsonl", async write =>
        {
            foreach (var s in sessions)
                await write(w =>
                {
                    w.WriteString("id", s.Id);
                    w.WriteString("device", s.DeviceName);
                    w.WriteString("address", s.Address);
                    w.WriteString("createdAt", Time(s.CreatedAt));
                    w.WriteString("lastSeenAt", Time(s.LastSeenAt));
                    w.WriteString("revokedAt", Time(s.RevokedAt));
                });
            return sessions.Count;
        }, ct);
    }

    /// <summary>Every version of every message they sent, and their deletions, from the record: edits are the sender's only.</summary>
    private Task<int> SentAsync(CancellationToken ct) => WriteLinesAsync("messages-sent.jsonl", async write =>
    {
        var count = 0;
        for (long after = 0; ;)
        {
            var page = await db.RecordEntries
                .Where(r => r.OrganizationId == OrganizationId && r.ActorId == person.Id && Sent.Contains(r.Kind) && r.Id > after)
                .OrderBy(r => r.Id).Take(batch).ToListAsync(ct);
            if (page.Count == 0)
                return count;
            foreach (var r in page)
                await write(w =>
                {
                    w.WriteNumber("conversation", r.ConversationId);
                    w.WriteNumber("message", r.MessageSeq);
                    w.WriteString("kind", RecordKinds.Name(r.Kind));
                    w.WriteString("at", Time(r.At));
                    var (text, html) = Opening(r.Content);
                    w.WriteString("text", text);
                    w.WriteString("html", html);
                    w.WriteBoolean("erased", r.IsErased);
                    w.WritePropertyName("data");
                    if (r.Data is null)
                        w.WriteNullValue();
                    else
                        using (var data = JsonDocument.Parse(r.Data))
                            data.WriteTo(w);
                });
            count += page.Count;
            after = page[^1].Id;
        }
    }, ct);

    /// <summary>The files they uploaded, listed in <c>files.jsonl</c>, with their bytes under <c>files/&lt;id&gt;</c> unless erased.</summary>
    private async Task<int> UploadsAsync(CancellationToken ct)
    {
        var uploads = db.Files.Where(f => f.OrganizationId == OrganizationId && f.UploaderId == person.Id);
        Task<List<StoredFile>> PageAsync(IQueryable<StoredFile> query, Guid? after) =>
            (after is { } last ? query.Where(f => f.Id.CompareTo(last) > 0) : query).OrderBy(f => f.Id).Take(batch).ToListAsync(ct);
        var count = await WriteLinesAsync("files.jsonl", async write =>
        {
            for (var (listed, after) = (0, (Guid?)null); ; )
            {
                var page = await PageAsync(uploads, after);
                foreach (var f in page)
                    await write(w =>
                    {
                        w.WriteString("id", f.Id);
                        w.WriteNumber("conversation", f.ConversationId);
                        if (f.MessageId is { } messageId)
                            w.WriteNumber("messageId", messageId);
                        else
                            w.WriteNull("messageId");
                        w.WriteString("name", f.FileName);
                        w.WriteString("type", f.ContentType);
                        w.WriteNumber("size", f.Size);
                        w.WriteString("sha256", f.Sha256);
                        w.WriteString("uploadedAt", Time(f.CreatedAt));
                        w.WriteString("erasedAt", Time(f.ErasedAt));
                        w.WriteString("path", f.ErasedAt is null ? $"files/{f.Id}" : null);
                    });
                listed += page.Count;
                if (page.Count < batch)
                    return listed;
                after = page[^1].Id;
            }
        }, ct);
        // The bytes after the listing: a ZIP archive writes one entry at a time.
        for (Guid? after = null; ; )
        {
            var page = await PageAsync(uploads.Where(f => f.ErasedAt == null), after);
            await CopyAsync(page, ct);
            if (page.Count < batch)
                return count;
            after = page[^1].Id;
        }
    }

    private async Task CopyAsync(IEnumerable<StoredFile> uploads, CancellationToken ct)
    {
        foreach (var f in uploads)
        {
            Stream content;
            try
            {
                content = files.OpenRead(OrganizationId, f.Sha256);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;                       // missing from the store: files.jsonl still names it, without bytes
            }
            await using (content)
            await using (var entry = await zip.CreateEntry($"files/{f.Id}", CompressionLevel.Fastest).OpenAsync(ct))
                await content.CopyToAsync(entry, ct);
        }
    }

    private async Task<(int Conversations, int Seen)> ConversationsAsync(CancellationToken ct)
    {
        var periods = await PeriodsAsync(ct);
        var ids = periods.Keys.ToList();
        var conversations = await db.Conversations.Where(c => c.OrganizationId == OrganizationId && ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        var names = await db.Users.Where(u => u.OrganizationId == OrganizationId).Select(u => new { u.Id, u.DisplayName }).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);
        await WriteLinesAsync("conversations.jsonl", async write =>
        {
            foreach (var (id, spans) in periods.OrderBy(p => p.Key))
                await write(w =>
                {
                    var c = conversations[id];
                    w.WriteNumber("id", id);
                    w.WriteString("kind", RecordFacts.KindName(c.Kind));
                    w.WriteString("name", c.Name);
                    w.WriteString("topic", c.Topic);
                    w.WriteStartArray("memberships");
                    foreach (var (from, to) in spans)
                    {
                        w.WriteStartObject();
                        w.WriteString("from", Time(from));
                        w.WriteString("to", Time(to));
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteString("messages", $"conversations/{id}.jsonl");
                });
            return periods.Count;
        }, ct);
        var seen = 0;
        foreach (var (id, spans) in periods.OrderBy(p => p.Key))
            seen += await SeenAsync(id, spans, names, ct);
        return (periods.Count, seen);
    }

    /// <summary>
    /// When they were a member of each conversation, from the record's membership entries; a conversation whose record
    /// began before membership was recorded counts from when they joined, as its member row says.
    /// </summary>
    private async Task<Dictionary<long, List<(DateTimeOffset From, DateTimeOffset? To)>>> PeriodsAsync(CancellationToken ct)
    {
        var user = $"\"user\":\"{person.Id}\"";
        var periods = new Dictionary<long, List<(DateTimeOffset From, DateTimeOffset? To)>>();
        for (long after = 0; ;)
        {
            var page = await db.RecordEntries
                .Where(r => r.OrganizationId == OrganizationId && r.Id > after && (Joins.Contains(r.Kind) || Leaves.Contains(r.Kind)) && r.Data!.Contains(user))
                .OrderBy(r => r.Id).Take(batch).Select(r => new { r.Id, r.ConversationId, r.Kind, r.At }).ToListAsync(ct);
            if (page.Count == 0)
                break;
            foreach (var r in page)
            {
                var spans = periods.TryGetValue(r.ConversationId, out var known) ? known : periods[r.ConversationId] = [];
                if (Joins.Contains(r.Kind))
                    spans.Add((r.At, null));
                else if (spans.Count > 0 && spans[^1].To is null)
                    spans[^1] = (spans[^1].From, r.At);
            }
            after = page[^1].Id;
        }
        var current = await db.ConversationMembers.Where(m => m.UserId == person.Id && m.OrganizationId == OrganizationId)
            .Select(m => new { m.ConversationId, m.JoinedAt }).ToListAsync(ct);
        foreach (var m in current.Where(m => !periods.ContainsKey(m.ConversationId)))
            periods[m.ConversationId] = [(m.JoinedAt, null)];
        return periods;
    }

    /// <summary>The messages of one conversation sent while they were a member, as members see them now.</summary>
    private Task<int> SeenAsync(long conversationId, List<(DateTimeOffset From, DateTimeOffset? To)> spans, Dictionary<Guid, string> names,
        CancellationToken ct) => WriteLinesAsync($"conversations/{conversationId}.jsonl", async write =>
    {
        var count = 0;
        foreach (var (from, to) in spans)
            for (long after = 0; ;)
            {
                var query = db.Messages.Where(m => m.ConversationId == conversationId && m.Seq > after && m.CreatedAt >= from);
                if (to is { } end)
                    query = query.Where(m => m.CreatedAt < end);
                var page = await query.OrderBy(m => m.Seq).Take(batch).ToListAsync(ct);
                if (page.Count == 0)
                    break;
                var ids = page.Select(m => m.Id).ToList();
                var attached = (await db.Files.Where(f => f.MessageId != null && ids.Contains(f.MessageId.Value)).ToListAsync(ct)).ToLookup(f => f.MessageId!.Value);
                foreach (var m in page)
                    await write(w =>
                    {
                        w.WriteNumber("id", m.Id);
                        w.WriteNumber("seq", m.Seq);
                        w.WriteString("sender", m.SenderId);
                        w.WriteString("senderName", names.GetValueOrDefault(m.SenderId));
                        w.WriteString("at", Time(m.CreatedAt));
                        if (m.ThreadRootId is { } root)
                            w.WriteNumber("threadRootId", root);
                        else
                            w.WriteNull("threadRootId");
                        w.WriteString("text", m.IsDeleted ? null : m.Content);
                        w.WriteString("html", m.IsDeleted ? null : m.Html);
                        w.WriteString("editedAt", Time(m.EditedAt));
                        w.WriteString("deletedAt", Time(m.DeletedAt));
                        w.WriteStartArray("files");
                        foreach (var f in m.IsDeleted ? Enumerable.Empty<StoredFile>() : attached[m.Id])
                        {
                            w.WriteStartObject();
                            w.WriteString("id", f.Id);
                            w.WriteString("name", f.FileName);
                            w.WriteString("type", f.ContentType);
                            w.WriteNumber("size", f.Size);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    });
                count += page.Count;
                after = page[^1].Seq;
            }
        return count;
    }, ct);

    /// <summary>The audit entries about them: those they did, and those whose target is their account.</summary>
    private Task<int> AuditAsync(CancellationToken ct) => WriteLinesAsync("audit.jsonl", async write =>
    {
        var count = 0;
        var target = person.Id.ToString();
        for (long after = 0; ;)
        {
            var page = await db.AuditEvents
                .Where(a => a.OrganizationId == OrganizationId && a.Index > after && (a.ActorId == person.Id || (a.TargetType == "user" && a.TargetId == target)))
                .OrderBy(a => a.Index).Take(batch).ToListAsync(ct);
            if (page.Count == 0)
                return count;
            foreach (var a in page)
                await write(w =>
                {
                    w.WriteNumber("index", a.Index);
                    w.WriteString("action", AuditActions.Name(a.Action));
                    w.WriteString("actor", a.ActorId?.ToString());
                    w.WriteString("targetType", a.TargetType);
                    w.WriteString("targetId", a.TargetId);
                    w.WriteString("at", Time(a.At));
                    w.WritePropertyName("data");
                    if (a.Data is null)
                        w.WriteNullValue();
                    else
                        using (var data = JsonDocument.Parse(a.Data))
                            data.WriteTo(w);
                    w.WriteString("address", a.Address);
                    w.WriteBoolean("erased", a.IsErased);
                });
            count += page.Count;
            after = page[^1].Index;
        }
    }, ct);

    /// <summary>The text and HTML of a message entry's opening: <c>{"html","text"}</c>, or the first format's <c>{"text",…}</c>.</summary>
    private static (string? Text, string? Html) Opening(string? content)
    {
        if (content is null)
            return (null, null);
        using var json = JsonDocument.Parse(content);
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            return (null, null);
        return (root.TryGetProperty("text", out var t) ? t.GetString() : null, root.TryGetProperty("html", out var h) ? h.GetString() : null);
    }

    private static string? Time(DateTimeOffset? at) =>
        at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private async Task WriteObjectAsync(string name, Action<Utf8JsonWriter> write, CancellationToken ct)
    {
        await using var stream = await zip.CreateEntry(name).OpenAsync(ct);
        await using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = Json.Encoder, Indented = true });
        w.WriteStartObject();
        write(w);
        w.WriteEndObject();
    }

    /// <summary>A JSON Lines entry: <paramref name="lines"/> gets a function that writes one object as one line.</summary>
    private async Task<int> WriteLinesAsync(string name, Func<Func<Action<Utf8JsonWriter>, Task>, Task<int>> lines, CancellationToken ct)
    {
        await using var stream = await zip.CreateEntry(name).OpenAsync(ct);
        await using var w = new Utf8JsonWriter(stream, Json);
        return await lines(async line =>
        {
            w.WriteStartObject();
            line(w);
            w.WriteEndObject();
            await w.FlushAsync(ct);
            w.Reset();
            stream.WriteByte((byte)'\n');
        });
    }
}
