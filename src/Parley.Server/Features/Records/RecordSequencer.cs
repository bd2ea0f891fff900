using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Records.Log;
using Parley.Server.Features.Records.Witnesses;

namespace Parley.Server.Features.Records;

/// <summary>
/// Keeps each organization's Merkle log (docs/record-format.md): takes new record and audit entries in as leaves, signs
/// checkpoints, hands them to the witnesses, and proves the log consistent with the last checkpoint a witness holds.
/// </summary>
/// <remarks>
/// Writers never wait for the log: an entry is hash-chained in its own transaction, and joins the log within a
/// <see cref="RecordOptions.SequenceInterval"/>. Every step is one transaction under the log row's lock, so a crash at
/// any point leaves either the step done or not begun, and two nodes take turns. A checkpoint is published only after it
/// committed: no witness ever holds a checkpoint the log does not contain.
/// </remarks>
public sealed partial class RecordSequencer(
    IServiceScopeFactory scopes, RecordKeys keys, RecordHealth health, CheckpointWitnesses witnesses,
    IOptions<RecordOptions> options, TimeProvider clock, ILogger<RecordSequencer> logger) : BackgroundService
{
    private const int Batch = 500;           // leaves per transaction: keeps SQLite's one writer free for sends

    /// <summary>Takes every entry written so far into the organization's log, and returns the log's size.</summary>
    public async Task<long> SequenceAsync(Guid organizationId, CancellationToken ct)
    {
        while (true)
        {
            var (size, more) = await SequenceBatchAsync(organizationId, ct);
            if (!more)
                return size;
        }
    }

    private async Task<(long Size, bool More)> SequenceBatchAsync(Guid organizationId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        // Read first: an organization with nothing new costs two index lookups, not SQLite's one write lock.
        if (!await db.RecordEntries.AnyAsync(r => r.OrganizationId == organizationId && r.LeafIndex == null, ct) &&
            !await db.AuditEvents.AnyAsync(a => a.OrganizationId == organizationId && a.LeafIndex == null, ct))
            return (await db.RecordLogs.Where(l => l.OrganizationId == organizationId).Select(l => (long?)l.Size).SingleOrDefaultAsync(ct) ?? 0, false);
        await using var tx = await db.BeginWriteAsync(ct);
        var log = await LockLogAsync(db, organizationId, ct);
        // Read without tracking: the entries are checked here and numbered below with one statement per table.
        var records = await db.RecordEntries.AsNoTracking().Where(r => r.OrganizationId == organizationId && r.LeafIndex == null)
            .OrderBy(r => r.Id).Take(Batch).ToListAsync(ct);
        var audits = await db.AuditEvents.AsNoTracking().Where(a => a.OrganizationId == organizationId && a.LeafIndex == null)
            .OrderBy(a => a.Id).Take(Batch - records.Count).ToListAsync(ct);
        if (records.Count + audits.Count == 0)
            return (log.Size, false);

        // A leaf goes in only as it was written: an entry changed before it was sequenced stops the log there, and the
        // entries before it go in.
        var leaves = new List<byte[]>(records.Count + audits.Count);
        string? stopped = null;
        if (records.FindIndex(r => r.Hash != r.ComputeHash()) is >= 0 and var badRecord)
        {
            stopped = $"entry {records[badRecord].Index} of conversation {records[badRecord].ConversationId} does not match its hash; the log stopped before it";
            records.RemoveRange(badRecord, records.Count - badRecord);
            audits.Clear();
        }
        else if (audits.FindIndex(a => a.Hash != a.ComputeHash()) is >= 0 and var badAudit)
        {
            stopped = $"audit event {audits[badAudit].Index} does not match its hash; the log stopped before it";
            audits.RemoveRange(badAudit, audits.Count - badAudit);
        }
        leaves.AddRange(records.Select(r => r.LeafHash()));
        leaves.AddRange(audits.Select(a => a.LeafHash()));
        if (stopped is not null && leaves.Count == 0)
            return Stop(stopped);

        var root = await new TiledTree(new DatabaseTileStore(db, organizationId)).AppendAsync(log.Size, leaves, ct);
        var next = log.Size;
        await NumberLeavesAsync(db, "RecordEntries", records.Select(r => r.Id), next, ct);
        next += records.Count;
        await NumberLeavesAsync(db, "AuditEvents", audits.Select(a => a.Id), next, ct);
        next += audits.Count;
        log.Grew(next, root);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        if (stopped is null)
            return (next, leaves.Count == Batch);
        Stop(stopped);
        return (next, false);

        (long, bool) Stop(string problem)
        {
            if (health.Raise(organizationId, problem))
                LogStopped(logger, organizationId, problem);
            return (log.Size, false);
        }
    }

    /// <summary>
    /// Takes in what was written, then signs a checkpoint of the log, unless the last one already covers it. Returns it,
    /// committed, and hands it to the witnesses.
    /// </summary>
    public async Task<SignedCheckpoint> CheckpointAsync(Guid organizationId, CancellationToken ct)
    {
        // The first key is made (and audited) before the log is read, so the checkpoint it signs covers its own creation.
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            if (!await db.SigningKeys.AnyAsync(k => k.OrganizationId == organizationId && k.RetiredAt == null, ct))
            {
                await using var tx = await db.BeginWriteAsync(ct);
                // Under the log's lock: two nodes making the first key take turns, and the second uses the first's.
                await LockLogAsync(db, organizationId, ct);
                await keys.CurrentAsync(db, organizationId, clock.GetUtcNow(), ct);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
        }
        await SequenceAsync(organizationId, ct);
        SignedCheckpoint checkpoint;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            await using var tx = await db.BeginWriteAsync(ct);
            var log = await LockLogAsync(db, organizationId, ct);
            var last = await db.Checkpoints.Where(c => c.OrganizationId == organizationId).OrderByDescending(c => c.Id).FirstOrDefaultAsync(ct);
            if (last is not null && last.Size == log.Size)
                checkpoint = last;
            else
            {
                var now = clock.GetUtcNow();
                var (signer, key) = await keys.CurrentAsync(db, organizationId, now, ct);
                var root = log.Size == 0 ? Rfc9162.EmptyRoot : Convert.FromHexString(log.Root);
                var body = new Checkpoint(options.Value.OriginOf(organizationId), log.Size, root, []).Body();
                checkpoint = new SignedCheckpoint(organizationId, log.Size, Convert.ToHexStringLower(root), signer.Sign(body), key.KeyId, now);
                db.Checkpoints.Add(checkpoint);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
        }
        await PublishAsync(organizationId, ct);
        return checkpoint;
    }

    /// <summary>Hands each witness the checkpoints it has not acknowledged yet, oldest first. A witness that fails is tried again later.</summary>
    public async Task PublishAsync(Guid organizationId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        foreach (var witness in witnesses.All)
        {
            var pending = await db.Checkpoints
                .Where(c => c.OrganizationId == organizationId && !db.CheckpointPublications.Any(p => p.CheckpointId == c.Id && p.Witness == witness.Name))
                .OrderByDescending(c => c.Size).Take(10).ToListAsync(ct);
            foreach (var checkpoint in pending.OrderBy(c => c.Size))
            {
                try
                {
                    var receipt = await witness.PublishAsync(organizationId, checkpoint.Size, checkpoint.Note, ct);
                    db.CheckpointPublications.Add(new CheckpointPublication(checkpoint.Id, witness.Name, receipt.At, receipt.Token));
                    await db.SaveChangesAsync(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    db.ChangeTracker.Clear();
                    LogWitnessFailed(logger, e, witness.Name, organizationId, checkpoint.Size);
                    break;
                }
            }
        }
    }

    /// <summary>
    /// Proves the organization's log consistent with the newest checkpoint the folder witness holds: same key, no fewer
    /// leaves, the same root at that size. A database restored from an old backup, cut short or rewritten fails here; the
    /// alarm shows in <c>/readyz</c>, in the log, and as an audit event naming the missing or differing range.
    /// </summary>
    public async Task<string?> CheckConsistencyAsync(Guid organizationId, CancellationToken ct)
    {
        var folder = witnesses.Folder;
        if (folder is null || await folder.LatestAsync(organizationId, ct) is not { } note)
            return null;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var problem = await DisagreementAsync(db, organizationId, note, ct);

        if (problem is null)
        {
            health.Clear(organizationId);
            return null;
        }
        if (health.Raise(organizationId, problem))
        {
            LogInconsistent(logger, organizationId, problem);
            await using var tx = await db.BeginWriteAsync(ct);
            await db.AuditAsync(organizationId, AuditAction.RecordInconsistent, null, "record", organizationId.ToString(),
                new { problem }, null, clock.GetUtcNow(), ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return problem;
    }

    /// <summary>
    /// How the organization's log stands against a published checkpoint (its signed note), changing nothing: null when the
    /// log holds it (same key, no fewer leaves, the same root at its size); otherwise what is wrong, naming the missing
    /// leaves of a log that was rolled back. The restore drill asks the same question of a restored database.
    /// </summary>
    internal static async Task<string?> DisagreementAsync(ParleyDb db, Guid organizationId, string note, CancellationToken ct)
    {
        var keyList = await db.SigningKeys.Where(k => k.OrganizationId == organizationId).Select(k => k.VerifierKey).ToListAsync(ct);
        var log = await db.RecordLogs.AsNoTracking().SingleOrDefaultAsync(l => l.OrganizationId == organizationId, ct);
        var size = log?.Size ?? 0;

        var check = NoteVerifier.Verify(note, keyList);
        if (!check.Valid || !Checkpoint.TryParse(check.Body!, out var published) || published is null)
            return $"the newest published checkpoint is not signed by any of the organization's keys ({check.Problem ?? "unreadable"})";
        if (published.Size > size)
            return $"rolled back: a checkpoint of {published.Size} entries was published, the database holds {size}; leaves {size} to {published.Size - 1} are missing";
        var tree = new TiledTree(new DatabaseTileStore(db, organizationId));
        var current = size == 0 ? Rfc9162.EmptyRoot : Convert.FromHexString(log!.Root);
        var proof = await tree.ConsistencyProofAsync(published.Size, size, ct);
        return Rfc9162.VerifyConsistency(published.Size, size, published.Root, current, proof) &&
               (await tree.RootAsync(size, ct)).AsSpan().SequenceEqual(current)
            ? null
            : $"rewritten: the log's first {published.Size} entries differ from the published checkpoint of that size";
    }

    /// <summary>
    /// Gives the rows with <paramref name="ids"/>, in that order, the leaf indexes from <paramref name="first"/> on: one
    /// UPDATE joined to a VALUES list (the same text on both engines), where tracked entities cost a statement each.
    /// </summary>
    private static async Task NumberLeavesAsync(ParleyDb db, string table, IEnumerable<long> ids, long first, CancellationToken ct)
    {
        var rows = ids.Select((id, i) => string.Create(CultureInfo.InvariantCulture, $"({id}, {first + i})")).ToList();
        if (rows.Count == 0)
            return;
        // Only numbers go into the text, formatted here from longs; the table's name is one of two constants.
        var sql = $"""
            UPDATE "{table}" SET "LeafIndex" = v.column2 FROM (VALUES {string.Join(", ", rows)}) AS v
            WHERE "{table}"."Id" = v.column1 AND "{table}"."LeafIndex" IS NULL
            """;
        var updated = await db.Database.ExecuteSqlRawAsync(sql, ct);
        if (updated != rows.Count)
            throw new InvalidOperationException($"{rows.Count} {table} were to join the log, {updated} did: the batch is rolled back.");
    }

    /// <summary>
    /// The log's row, locked until the transaction ends; created empty on first use. Whatever changes the log or its
    /// keys takes it first, so that nodes take turns.
    /// </summary>
    internal static async Task<RecordLog> LockLogAsync(ParleyDb db, Guid organizationId, CancellationToken ct)
    {
        // Created by whoever comes first: a request and the background round may both take in an organization's first
        // entries. On PostgreSQL they may do so at once; on SQLite writers take turns.
        if (db is PostgresParleyDb)
            await db.Database.ExecuteSqlAsync(
                $"""INSERT INTO "RecordLogs" ("OrganizationId", "Size", "Root") VALUES ({organizationId}, 0, '') ON CONFLICT DO NOTHING""", ct);
        var locked = await db.RecordLogs.Where(l => l.OrganizationId == organizationId)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Size, l => l.Size), ct);
        if (locked == 0)
        {
            db.RecordLogs.Add(new RecordLog(organizationId));
            await db.SaveChangesAsync(ct);
        }
        return await db.RecordLogs.SingleAsync(l => l.OrganizationId == organizationId, ct);
    }

    private readonly TaskCompletionSource _firstRound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first round after start (the consistency proof against the witnesses among it) is over.</summary>
    public Task FirstRound => _firstRound.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var lastCheckpoint = DateTimeOffset.MinValue;
        var lastConsistency = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(settings.SequenceInterval, clock);
        do
        {
            try
            {
                var now = clock.GetUtcNow();
                var checkpoint = now - lastCheckpoint >= settings.CheckpointInterval;
                var consistency = now - lastConsistency >= settings.ConsistencyInterval;
                var organizations = await OrganizationsAsync(stoppingToken);
                // Proofs against the witnesses first, each organization on its own: one that cannot be checked or
                // signed (a lost key ring, a write conflict) holds up no other.
                if (consistency)
                    foreach (var organizationId in organizations)
                        await ForOneAsync(organizationId, () => CheckConsistencyAsync(organizationId, stoppingToken));
                foreach (var organizationId in organizations)
                    await ForOneAsync(organizationId, () => checkpoint ? CheckpointAsync(organizationId, stoppingToken) : SequenceAsync(organizationId, stoppingToken));
                if (checkpoint)
                    lastCheckpoint = now;
                if (consistency)
                    lastConsistency = now;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRoundFailed(logger, e);     // the database is away: the next round tries again
            }
            _firstRound.TrySetResult();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false) || !stoppingToken.IsCancellationRequested);
    }

    private async Task ForOneAsync(Guid organizationId, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogOrganizationFailed(logger, e, organizationId);     // a write conflict, a full disk, a key it cannot read
        }
    }

    private async Task<List<Guid>> OrganizationsAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ParleyDb>().Organizations.Select(o => o.Id).ToListAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The record of organization {OrganizationId} stopped growing: {Problem}")]
    private static partial void LogStopped(ILogger logger, Guid organizationId, string problem);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The record of organization {OrganizationId} disagrees with its published checkpoint: {Problem}")]
    private static partial void LogInconsistent(ILogger logger, Guid organizationId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Witness {Witness} did not take checkpoint {Size} of organization {OrganizationId}; it is tried again later")]
    private static partial void LogWitnessFailed(ILogger logger, Exception exception, string witness, Guid organizationId, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The record log of organization {OrganizationId} could not be kept this round; the next one tries again")]
    private static partial void LogOrganizationFailed(ILogger logger, Exception exception, Guid organizationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A round of the record log failed; the next one tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
