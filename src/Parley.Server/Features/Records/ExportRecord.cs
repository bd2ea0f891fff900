using System.Globalization;
using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Files;
using Parley.Server.Features.Records.Log;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Records;

public static class ExportRecord
{
    /// <summary>
    /// The organization's record as an export bundle (docs/record-format.md, "The export bundle"): a fresh signed
    /// checkpoint, every leaf up to it with its opening, the earlier checkpoints with their consistency proofs, the keys,
    /// and the files. What someone who does not trust this server checks with <c>parley verify</c>. The archive is built
    /// in a temporary file and streamed from there, so memory does not grow with the record; the file goes when sent.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> HandleAsync(CurrentUser me, ParleyDb db,
        RecordSequencer sequencer, FileStore files, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ReadRecord))
            return Problems.Forbidden("admin-only", "Only admins and compliance officers can export the record.");
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        var temp = files.NewTempPath();
        try
        {
            var checkpoint = await WriteBundleAsync(db, sequencer, files, clock, me.OrganizationId, temp, ct);

            await using (var tx = await db.BeginWriteAsync(ct))
            {
                await db.AuditAsync(me, AuditAction.RecordExported, "record", me.OrganizationId.ToString(),
                    new { size = checkpoint.Size, root = checkpoint.Root }, http, clock.GetUtcNow(), ct);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            var content = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920,
                System.IO.FileOptions.Asynchronous | System.IO.FileOptions.DeleteOnClose | System.IO.FileOptions.SequentialScan);
            return TypedResults.File(content, "application/zip", $"parley-record-{me.OrganizationId}-{checkpoint.Size}.zip");
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Signs a checkpoint and writes the organization's bundle, as a ZIP archive, at <paramref name="path"/>. Returns the checkpoint.</summary>
    internal static async Task<SignedCheckpoint> WriteBundleAsync(ParleyDb db, RecordSequencer sequencer, FileStore files, TimeProvider clock,
        Guid organizationId, string path, CancellationToken ct)
    {
        // Content erased after the checkpoint was signed, but before its leaves were read, has its erasure entry after
        // the checkpoint: the bundle would fail to verify though nothing is wrong. A new checkpoint takes that entry in.
        SignedCheckpoint checkpoint;
        for (var attempt = 1; ; attempt++)
        {
            checkpoint = await sequencer.CheckpointAsync(organizationId, ct);
            bool complete;
            await using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            await using (var zip = new ZipArchive(output, ZipArchiveMode.Create))
                complete = await new BundleWriter(db, files, organizationId, checkpoint, zip).WriteAsync(clock.GetUtcNow(), ct);
            if (complete || attempt == 3)
                break;
        }
        return checkpoint;
    }
}

/// <summary>
/// Writes one bundle into a ZIP archive, reading the leaves in batches so memory stays flat. Given
/// <paramref name="conversations"/>, a partial bundle (docs/record-format.md): the whole chains of those conversations only,
/// each line with its inclusion proof, no audit chain, and the files of those conversations; what a discovery export
/// carries, so that its recipient checks the record of what they were given and learns nothing of the rest.
/// </summary>
internal sealed class BundleWriter(ParleyDb db, FileStore files, Guid organizationId, SignedCheckpoint checkpoint, ZipArchive zip,
    IReadOnlySet<long>? conversations = null)
{
    private const int Batch = 1000;

    // Leaf texts and contents are ASCII-escaped by default; relaxed escaping keeps them readable and is still strict JSON.
    private static readonly JsonWriterOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Files named by a <c>file-uploaded</c> entry of the bundle whose content (the name) is not erased.</summary>
    private readonly HashSet<Guid> _uploaded = [];

    private readonly HashSet<string> _files = [];

    /// <summary>The SHA-256 of each file whose bytes the bundle holds, as <c>files/&lt;sha256&gt;</c>.</summary>
    public IReadOnlySet<string> Files => _files;

    /// <summary>Folds the leaves as they are written, to see that every missing opening has its erasure entry in the bundle.</summary>
    private readonly RecordVerifier _openings = new(organizationId);

    /// <summary>Writes the bundle; false when an opening is missing without an erasure entry in it (see the caller).</summary>
    public async Task<bool> WriteAsync(DateTimeOffset now, CancellationToken ct)
    {
        var origin = checkpoint.Note[..checkpoint.Note.IndexOf('\n', StringComparison.Ordinal)];
        await WriteJsonAsync("bundle.json", w =>
        {
            w.WriteStartObject();
            w.WriteString("format", "parley-record-bundle/1");
            w.WriteString("organization", organizationId.ToString());
            w.WriteString("origin", origin);
            w.WriteNumber("size", checkpoint.Size);
            w.WriteString("createdAt", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.Flush();
        }, ct);
        await WriteTextAsync("checkpoint.note", checkpoint.Note, ct);
        var keys = await db.SigningKeys.Where(k => k.OrganizationId == organizationId).OrderBy(k => k.Id).Select(k => k.VerifierKey).ToListAsync(ct);
        await WriteTextAsync("keys.txt", string.Concat(keys.Select(k => k + "\n")), ct);
        await LeavesAsync(ct);
        await CheckpointsAsync(ct);
        await FilesAsync(ct);
        return _openings.Finish() is null;
    }

    private async Task LeavesAsync(CancellationToken ct)
    {
        await using var stream = await zip.CreateEntry("leaves.jsonl").OpenAsync(ct);
        await using var w = new Utf8JsonWriter(stream, Json);
        var tree = conversations is null ? null : new TiledTree(new DatabaseTileStore(db, organizationId));
        for (long from = 0; from < checkpoint.Size; from += Batch)
        {
            var to = Math.Min(from + Batch, checkpoint.Size);
            var inRange = db.RecordEntries.Where(r => r.OrganizationId == organizationId && r.LeafIndex >= from && r.LeafIndex < to);
            var records = await (conversations is null ? inRange : inRange.Where(r => conversations.Contains(r.ConversationId))).ToListAsync(ct);
            var audits = conversations is null
                ? await db.AuditEvents.Where(a => a.OrganizationId == organizationId && a.LeafIndex >= from && a.LeafIndex < to).ToListAsync(ct)
                : [];
            var leaves = records.Select(r => (Leaf: r.LeafIndex!.Value, Entry: r.Leaf(), r.Content, r.Salt))
                .Concat(audits.Select(a => a.Version >= 2 && a.Salt is not null
                    ? (Leaf: a.LeafIndex!.Value, Entry: a.Leaf(), Content: a.CommittedContent(), a.Salt)
                    : (Leaf: a.LeafIndex!.Value, Entry: a.Leaf(), Content: (string?)null, Salt: (string?)null)))
                .OrderBy(l => l.Leaf);
            foreach (var (leaf, entry, content, salt) in leaves)
            {
                _openings.Add(leaf, entry, content, salt);
                w.WriteStartObject();
                w.WriteNumber("leaf", leaf);
                w.WriteString("entry", entry);
                w.WriteString("content", content);
                w.WriteString("salt", salt);
                if (tree is not null)
                {
                    w.WriteStartArray("proof");
                    foreach (var hash in await tree.InclusionProofAsync(leaf, checkpoint.Size, ct))
                        w.WriteStringValue(Convert.ToHexStringLower(hash));
                    w.WriteEndArray();
                }
                w.WriteEndObject();
                await w.FlushAsync(ct);
                w.Reset();
                stream.WriteByte((byte)'\n');
            }
            foreach (var r in records.Where(r => r.Kind == RecordKind.FileUploaded && !r.IsErased && r.Data is not null))
                using (var data = JsonDocument.Parse(r.Data!))
                    _uploaded.Add(Guid.Parse(data.RootElement.GetProperty("file").GetString()!));
        }
    }

    /// <summary>Every earlier checkpoint, each with the proof that the log it signed is a prefix of this one.</summary>
    private async Task CheckpointsAsync(CancellationToken ct)
    {
        var earlier = await db.Checkpoints.Where(c => c.OrganizationId == organizationId && c.Id != checkpoint.Id && c.Size <= checkpoint.Size)
            .OrderBy(c => c.Id).Select(c => new { c.Note, c.Size }).ToListAsync(ct);
        var tree = new TiledTree(new DatabaseTileStore(db, organizationId));
        await using var stream = await zip.CreateEntry("checkpoints.jsonl").OpenAsync(ct);
        await using var w = new Utf8JsonWriter(stream, Json);
        foreach (var c in earlier)
        {
            var proof = await tree.ConsistencyProofAsync(c.Size, checkpoint.Size, ct);
            w.WriteStartObject();
            w.WriteString("note", c.Note);
            w.WriteStartArray("proof");
            foreach (var hash in proof)
                w.WriteStringValue(Convert.ToHexStringLower(hash));
            w.WriteEndArray();
            w.WriteEndObject();
            await w.FlushAsync(ct);
            w.Reset();
            stream.WriteByte((byte)'\n');
        }
    }

    /// <summary>
    /// The bytes of each file the bundle's record names and has not erased, once per content. A file missing from the
    /// store is left out: the verifier then names it, which is the truth about this server.
    /// </summary>
    private async Task FilesAsync(CancellationToken ct)
    {
        var hashes = (await db.Files.Where(f => f.OrganizationId == organizationId).Select(f => new { f.Id, f.Sha256 }).ToListAsync(ct))
            .Where(f => _uploaded.Contains(f.Id)).Select(f => f.Sha256).Distinct().Order(StringComparer.Ordinal);
        foreach (var sha256 in hashes)
        {
            Stream content;
            try
            {
                content = files.OpenRead(organizationId, sha256);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            await using (content)
            await using (var entry = await zip.CreateEntry($"files/{sha256}", CompressionLevel.Fastest).OpenAsync(ct))
                await content.CopyToAsync(entry, ct);
            _files.Add(sha256);
        }
    }

    private async Task WriteTextAsync(string name, string text, CancellationToken ct)
    {
        await using var stream = await zip.CreateEntry(name).OpenAsync(ct);
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), ct);
    }

    private async Task WriteJsonAsync(string name, Action<Utf8JsonWriter> write, CancellationToken ct)
    {
        await using var stream = await zip.CreateEntry(name).OpenAsync(ct);
        await using var w = new Utf8JsonWriter(stream, Json);
        write(w);
    }
}
