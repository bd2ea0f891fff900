using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.Files;
using Parley.Server.Features.Records;
using Parley.Server.Platform;

namespace Parley.Server.Features.Compliance.Discovery;

/// <summary>
/// Builds exports in the background, one at a time per node. Each build takes its export by a lease, writes the archive
/// into <c>exports/&lt;id&gt;.zip.partial</c> under the data folder, then renames it and marks the export ready. Nothing
/// is resumed half-way: a build cut short (a crash, a shutdown) lets its lease run out, and the next build of the same
/// export starts again from the beginning, overwriting what was left; the same export gives the same items. An export cut
/// short <c>MaxAttempts</c> times fails, and what its last build left is deleted.
/// </summary>
public sealed partial class DiscoveryExporter(
    IServiceScopeFactory scopes, FileStore files, RecordSequencer sequencer, RecordKeys keys, IOptions<DiscoveryOptions> options,
    IOptions<StorageOptions> storage, TimeProvider clock, ILogger<DiscoveryExporter> logger) : RoundWorker(logger)
{
    public const string ManifestFormat = "parley-discovery-export/1";
    private const int PageSize = 200, MaxAttempts = 3;

    public string PathOf(Guid exportId) => Path.Combine(storage.Value.FullDataDirectory, "exports", $"{exportId}.zip");

    protected override bool InBackground => options.Value.BackgroundExports;

    protected override TimeSpan PollInterval => options.Value.PollInterval;

    /// <summary>Deletes what expired, then builds every export waiting (or left by a node that stopped) until none is left.</summary>
    protected override async Task RoundAsync(CancellationToken ct)
    {
        await ExpireAsync(ct);
        while (await ClaimAsync(ct) is { } export)
            await BuildAsync(export, ct);
    }

    private async Task ExpireAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var expired = await db.DiscoveryExports.Where(x => x.State != ExportState.Expired && x.ExpiresAt <= now).ToListAsync(ct);
        foreach (var export in expired)
        {
            export.Expire();
            File.Delete(PathOf(export.Id));
            File.Delete(PathOf(export.Id) + ".partial");
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The oldest export waiting or whose builder's lease ran out, now leased to this node; null when there is none.</summary>
    private async Task<DiscoveryExport?> ClaimAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var export = await db.DiscoveryExports
            .Where(x => x.State == ExportState.Queued || (x.State == ExportState.Running && x.LeasedUntil < now))
            .OrderBy(x => x.CreatedAt).FirstOrDefaultAsync(ct);
        if (export is null)
            return null;
        if (export.Attempts >= MaxAttempts)
            export.Fail($"The export stopped {export.Attempts} times before it was complete.", now);
        else
            export.Start(now, options.Value.Lease);
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return null;                                 // another node took it first; the next round looks again
        }
        if (export.State == ExportState.Running)
            return export;
        File.Delete(PathOf(export.Id) + ".partial");     // what its last build left when it was cut short
        return await ClaimAsync(ct);
    }

    private async Task BuildAsync(DiscoveryExport export, CancellationToken ct)
    {
        var partial = PathOf(export.Id) + ".partial";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
            await WriteArchiveAsync(export, partial, ct);
            var (size, sha256) = await MeasureAsync(partial, ct);
            File.Move(partial, PathOf(export.Id), overwrite: true);
            await UpdateAsync(export.Id, x => x.Complete(size, sha256, clock.GetUtcNow()), ct);
            LogBuilt(logger, export.Id, size);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            File.Delete(partial);
            LogBuildFailed(logger, e, export.Id);
            await UpdateAsync(export.Id, x => x.Fail("The export could not be built; ask for it again.", clock.GetUtcNow()), ct);
        }
    }

    private async Task WriteArchiveAsync(DiscoveryExport export, string path, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        var criteria = JsonSerializer.Deserialize<DiscoveryCriteria>(export.Criteria, ExportItems.Json)!;
        var total = await DiscoveryReader.CountAsync(db, export.OrganizationId, criteria, ct);
        await UpdateAsync(export.Id, x => x.Progress(0, total, clock.GetUtcNow(), options.Value.Lease), ct);
        var conversations = (await DiscoveryReader.ConversationIdsAsync(db, export.OrganizationId, criteria, ct)).ToHashSet();

        // As the record export does: content erased between signing and reading gets a new checkpoint that takes its entry in.
        for (var attempt = 1; ; attempt++)
        {
            var checkpoint = await sequencer.CheckpointAsync(export.OrganizationId, ct);
            await using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            await using var zip = new ZipArchive(output, ZipArchiveMode.Create);
            // The record of the conversations the items come from, whole, and of nothing else: the recipient checks what
            // they were given and learns nothing of the organization's other conversations (docs/record-format.md).
            var bundle = new BundleWriter(db, files, export.OrganizationId, checkpoint, zip, conversations);
            if (!await bundle.WriteAsync(clock.GetUtcNow(), ct) && attempt < 3)
                continue;
            var items = new ExportItems(zip, export.Format, files, export.OrganizationId, bundle.Files);
            await using (items)
            {
                var done = 0;
                foreach (var part in Parts(export, criteria, conversations))
                    for (long? after = 0; after is { } cursor;)
                    {
                        var (page, next) = await DiscoveryReader.PageAsync(db, export.OrganizationId, part, cursor, PageSize, int.MaxValue, ct);
                        foreach (var message in page)
                            await items.WriteAsync(message, ct);
                        done += page.Count;
                        await UpdateAsync(export.Id, x => x.Progress(done, Math.Max(done, total), clock.GetUtcNow(), options.Value.Lease), ct);
                        after = next;
                    }
                await items.FinishAsync(ct);
                await WriteManifestAsync(db, zip, export, criteria, checkpoint, done, items.Items, ct);
            }
            return;
        }
    }

    /// <summary>
    /// The criteria read one after the other: as given, in message order; for Actiance XML, one conversation at a time, since
    /// its document holds one element per conversation and is written as the messages are read.
    /// </summary>
    private static List<DiscoveryCriteria> Parts(DiscoveryExport export, DiscoveryCriteria criteria, IEnumerable<long> conversations) =>
        export.Format != ExportFormat.Actiance ? [criteria] : [.. conversations.Order().Select(id => criteria with { ConversationIds = [id] })];

    /// <summary>manifest.json and manifest.sig, as docs/record-format.md ("A discovery export") says.</summary>
    private async Task WriteManifestAsync(ParleyDb db, ZipArchive zip, DiscoveryExport export, DiscoveryCriteria criteria, SignedCheckpoint checkpoint,
        int messages, IReadOnlyList<ManifestItem> items, CancellationToken ct)
    {
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new
        {
            format = ManifestFormat,
            organization = export.OrganizationId,
            export = export.Id,
            createdBy = export.CreatedBy,
            createdAt = export.CreatedAt,
            itemFormat = export.Format.ToString().ToLowerInvariant(),
            holdId = export.HoldId,
            criteria,
            messages,
            checkpoint = new { size = checkpoint.Size, root = checkpoint.Root },
            items,
        }, ExportItems.Json);
        await using (var stream = await zip.CreateEntry("manifest.json").OpenAsync(ct))
            await stream.WriteAsync(manifest, ct);
        var (signer, _) = await keys.CurrentAsync(db, export.OrganizationId, clock.GetUtcNow(), ct);
        var origin = checkpoint.Note[..checkpoint.Note.IndexOf('\n', StringComparison.Ordinal)];
        var note = signer.Sign($"{ManifestFormat}\n{origin}\n{export.Id}\n{Convert.ToHexStringLower(SHA256.HashData(manifest))}\n");
        await using (var stream = await zip.CreateEntry("manifest.sig").OpenAsync(ct))
            await stream.WriteAsync(Encoding.UTF8.GetBytes(note), ct);
    }

    private async Task UpdateAsync(Guid exportId, Action<DiscoveryExport> change, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        await using var tx = await db.BeginWriteAsync(ct);
        var export = await db.DiscoveryExports.SingleAsync(x => x.Id == exportId, ct);
        change(export);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private static async Task<(long Size, string Sha256)> MeasureAsync(string path, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        return (stream.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Discovery export {ExportId} built: {Size} bytes")]
    private static partial void LogBuilt(ILogger logger, Guid exportId, long size);

    [LoggerMessage(Level = LogLevel.Error, Message = "Discovery export {ExportId} could not be built")]
    private static partial void LogBuildFailed(ILogger logger, Exception e, Guid exportId);
}
