using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;
using Parley.Server.Features.Records.Witnesses;

namespace Parley.Server.Features.Backups;

/// <summary>
/// Checks a deployment's record, as after a restore: for each organization, the log against the newest checkpoint each
/// witness folder holds (and the one the backup's manifest names), then the integrity check the admin API runs. Says
/// "intact", or names what is not: the missing range of leaves when a checkpoint newer than the database was published.
/// </summary>
public static class RestoreDrill
{
    /// <param name="witnessFolders">Folders of published checkpoints besides the configured one (copies from WORM storage).</param>
    /// <returns>True when every organization's record is intact and holds every published checkpoint.</returns>
    public static async Task<bool> RunAsync(IServiceProvider services, BackupManifest? manifest, IReadOnlyList<string> witnessFolders,
        TextWriter output, CancellationToken ct)
    {
        var clock = services.GetRequiredService<TimeProvider>();
        var folders = witnessFolders.Select(f => new FolderWitness(f, clock)).ToList();
        if (services.GetRequiredService<CheckpointWitnesses>().Folder is { } configured && folders.All(f => f.Folder != configured.Folder))
            folders.Insert(0, configured);

        List<(Guid Id, string Name)> organizations;
        await using (var scope = services.CreateAsyncScope())
            organizations = (await scope.ServiceProvider.GetRequiredService<ParleyDb>().Organizations.AsNoTracking()
                .OrderBy(o => o.CreatedAt).Select(o => new { o.Id, o.Name }).ToListAsync(ct)).Select(o => (o.Id, o.Name)).ToList();

        var intact = true;
        foreach (var missing in manifest?.Organizations.Where(m => organizations.All(o => o.Id != m.Id)) ?? [])
        {
            output.WriteLine($"organization {missing.Id} ({missing.Name}): missing from the database, though the backup holds it");
            intact = false;
        }
        foreach (var (id, name) in organizations)
        {
            output.WriteLine($"organization {id} ({name})");
            intact &= await OrganizationAsync(services, id, manifest?.Organizations.FirstOrDefault(m => m.Id == id), folders, output, ct);
        }
        output.WriteLine(intact
            ? $"drill: intact ({organizations.Count} organization(s))"
            : "drill: NOT intact: see above");
        return intact;
    }

    private static async Task<bool> OrganizationAsync(IServiceProvider services, Guid organizationId, BackedUpOrganization? backedUp,
        List<FolderWitness> folders, TextWriter output, CancellationToken ct)
    {
        var intact = true;

        // Against what was published, before this run takes anything into the log: "the database holds N" is the restored log.
        var published = new List<(string Source, long Size, string Note)>();
        foreach (var folder in folders)
            if (await LatestAsync(folder, organizationId, ct) is { } latest)
                published.Add(($"witness folder {folder.Folder}", latest.Size, latest.Note));
        if (backedUp?.Checkpoint is { } note)
            published.Add(("the backup's manifest", backedUp.CheckpointSize, note));
        if (published.Count == 0)
            output.WriteLine("  published checkpoints: none to compare with");
        foreach (var (source, size, text) in published)
        {
            // A scope each: the tiles a comparison reads stay tracked, and must not stand in for the ones sequenced below.
            await using var comparing = services.CreateAsyncScope();
            var problem = await RecordSequencer.DisagreementAsync(comparing.ServiceProvider.GetRequiredService<ParleyDb>(), organizationId, text, ct);
            output.WriteLine(problem is null
                ? $"  checkpoint of {size} leaves ({source}): the log holds it"
                : $"  checkpoint of {size} leaves ({source}): {problem}");
            intact &= problem is null;
        }

        await services.GetRequiredService<RecordSequencer>().SequenceAsync(organizationId, ct);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        var report = await new IntegrityCheck(db, organizationId, scope.ServiceProvider.GetRequiredService<MarkdownRenderer>(),
            scope.ServiceProvider.GetRequiredService<FileStore>()).RunAsync(ct);
        output.WriteLine(report.FirstBroken is { } broken
            ? $"  integrity: broken at {broken.Chain}{(broken.ConversationId is { } c ? $" {c}" : "")} entry {broken.Index}: {broken.Problem}"
            : $"  integrity: intact ({report.LogSize} leaves, root {report.Root}; {report.ConversationsChecked} conversations, " +
              $"{report.EntriesChecked} entries, {report.AuditEventsChecked} audit events, {report.FilesChecked} files checked)");
        return intact && report.Intact;
    }

    private static async Task<(long Size, string Note)?> LatestAsync(FolderWitness folder, Guid organizationId, CancellationToken ct)
    {
        (long Size, string Note)? latest = null;
        await foreach (var checkpoint in folder.ListAsync(organizationId, ct))
            latest = checkpoint;
        return latest;
    }
}
