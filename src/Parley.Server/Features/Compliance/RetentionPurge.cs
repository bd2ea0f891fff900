using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Files;
using Parley.Server.Features.Records;
using Parley.Server.Platform;

namespace Parley.Server.Features.Compliance;

public sealed class RetentionOptions
{
    public const string Section = "Parley:Retention";

    /// <summary>Whether the purge runs by itself every <see cref="PurgeInterval"/> (the on-demand endpoint works either way).</summary>
    public bool BackgroundPurge { get; set; } = true;

    /// <summary>How often the background purge runs over every organization.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")] public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Messages looked at per batch; each one found is erased in its own short transaction.</summary>
    [Range(1, 1000)] public int BatchSize { get; set; } = 100;

    /// <summary>Rest between batches, so that senders get the database's one writer (SQLite) between them.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")] public TimeSpan BatchPause { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The most of the time the purge works rather than rests: after each batch it rests at least as long as the batch
    /// took, times (1 − Share) / Share (0.5: as long as it worked), so that it leaves sends the CPU and the writer whatever
    /// its batches cost on this machine. 1 rests only <see cref="BatchPause"/>.
    /// </summary>
    [Range(0.05, 1.0)] public double Share { get; set; } = 0.5;
}

/// <summary>What one purge did in one organization: messages erased, per conversation, and those a hold or minimum kept meanwhile.</summary>
public sealed record PurgeReport(int Erased, int Kept, int FilesErased, IReadOnlyList<PurgedConversation> Conversations);

public sealed record PurgedConversation(long ConversationId, int Erased);

/// <summary>
/// Erases what retention no longer keeps, through <see cref="RecordErasure"/> (reason <c>retention</c>, reference the policy's
/// scope), so every chain still verifies. Works in batches of <see cref="RetentionOptions.BatchSize"/> messages, each erasure
/// its own transaction, pausing between batches. Keeps no state of its own: a message erased is not found again, so a purge
/// cut short (a crash, a shutdown) resumes on the next run. File bytes are deleted after the erasure commits, once no row
/// that is not erased names them; bytes a crash leaves between the two are deleted by the file scrub (<see cref="Files.FileScrub"/>).
/// </summary>
public sealed partial class RetentionPurge(
    IServiceScopeFactory scopes, FileStore files, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<RetentionPurge> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>Purges one organization now, as <paramref name="by"/> (<see cref="Guid.Empty"/>: the server). One run at a time.</summary>
    public async Task<PurgeReport> RunOnceAsync(Guid organizationId, Guid by, CancellationToken ct)
    {
        await _running.WaitAsync(ct);
        try
        {
            return await PurgeAsync(organizationId, by, ct);
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<PurgeReport> PurgeAsync(Guid organizationId, Guid by, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var erased = new Dictionary<long, int>();
        int kept = 0, filesErased = 0;
        long after = 0;
        while (true)
        {
            var batchStarted = Stopwatch.GetTimestamp();
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            var rules = await RetentionRules.LoadAsync(db, organizationId, now, ct);   // per batch: a hold made meanwhile counts
            var (scanned, purgeable) = await rules.NextPageAsync(db, after, options.Value.BatchSize, ct);
            if (scanned is null)
                break;
            foreach (var message in purgeable)
            {
                var attached = await db.Files.AsNoTracking().Where(f => f.OrganizationId == organizationId && f.ConversationId == message.ConversationId
                        && f.MessageId == message.MessageId && f.ErasedAt == null)
                    .Select(f => f.Sha256).ToListAsync(ct);
                try
                {
                    if (await db.EraseMessageAsync(organizationId, message.ConversationId, message.Seq, ErasureReason.Retention,
                            $"policy:{message.Policy}", by, now, ct) is null)
                        continue;
                }
                catch (DomainException e) when (e.Code is "legal-hold" or "retention-minimum")
                {
                    kept++;                                         // a hold made since the page was read: it wins
                    continue;
                }
                finally
                {
                    db.ChangeTracker.Clear();
                }
                erased[message.ConversationId] = erased.GetValueOrDefault(message.ConversationId) + 1;
                foreach (var sha256 in attached.Distinct())
                {
                    if (!await db.Files.AnyAsync(f => f.OrganizationId == organizationId && f.Sha256 == sha256 && f.ErasedAt == null, ct))
                        files.Delete(organizationId, sha256);
                    filesErased++;
                }
            }
            after = scanned.Value;
            // A pause for the writers, not a time rule: real time, even where the clock is a test's.
            var worked = Stopwatch.GetElapsedTime(batchStarted);
            var pause = TimeSpan.FromTicks(Math.Max(options.Value.BatchPause.Ticks, (long)(worked.Ticks * (1 - options.Value.Share) / options.Value.Share)));
            if (pause > TimeSpan.Zero)
                await Task.Delay(pause, ct);
            else
                await Task.Yield();
        }

        var report = new PurgeReport(erased.Values.Sum(), kept, filesErased,
            [.. erased.OrderBy(e => e.Key).Select(e => new PurgedConversation(e.Key, e.Value))]);
        if (report.Erased > 0 || report.Kept > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            await using var tx = await db.BeginWriteAsync(ct);
            await db.AuditAsync(organizationId, AuditAction.RetentionPurged, by == Guid.Empty ? null : by, "organization", organizationId.ToString(),
                new { erased = report.Erased, kept = report.Kept, files = report.FilesErased, conversations = report.Conversations.Count }, null, now, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            LogPurged(logger, organizationId, report.Erased, report.Kept);
        }
        return report;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.BackgroundPurge)
            return;
        try
        {
            while (true)
            {
                await Task.Delay(options.Value.PurgeInterval, clock, stoppingToken);
                try
                {
                    List<Guid> organizations;
                    await using (var scope = scopes.CreateAsyncScope())
                    {
                        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
                        organizations = await db.RetentionPolicies.Where(p => p.MaximumDays != null)
                            .Select(p => p.OrganizationId).Distinct().ToListAsync(stoppingToken);
                    }
                    foreach (var organizationId in organizations)
                        await RunOnceAsync(organizationId, Guid.Empty, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(logger, e);                         // the database is away, say: the next run resumes
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention purge in organization {OrganizationId}: {Erased} message(s) erased, {Kept} kept by a hold or a minimum.")]
    private static partial void LogPurged(ILogger logger, Guid organizationId, int erased, int kept);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retention purge failed; the next run resumes where it stopped.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
