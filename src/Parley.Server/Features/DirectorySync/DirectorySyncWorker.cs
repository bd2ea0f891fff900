using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.DirectorySync;

/// <summary>
/// Runs directory syncs in the background, one at a time per node: queues the scheduled ones that are due, then takes each
/// queued run by a lease, reads the whole directory (nothing is written while reading), and applies it in one transaction
/// (<see cref="DirectorySyncer"/>). A run cut short by a crash lets its lease run out and starts again from the beginning:
/// it wrote nothing, or everything.
/// </summary>
public sealed partial class DirectorySyncWorker(
    IServiceScopeFactory scopes, DirectorySecrets secrets, SessionCache sessions, ConnectionRegistry connections, LiveEvents events,
    IOptions<DirectoryOptions> options, TimeProvider clock, ILogger<DirectorySyncWorker> logger) : RoundWorker(logger)
{
    private const int MaxAttempts = 3;

    protected override bool InBackground => options.Value.BackgroundSync;

    protected override TimeSpan PollInterval => options.Value.PollInterval;

    protected override async Task RoundAsync(CancellationToken ct)
    {
        await QueueDueAsync(ct);
        while (await ClaimAsync(ct) is { } run)
            await CarryOutAsync(run, ct);
    }

    /// <summary>A run for each organization whose scheduled sync is due and that has none waiting already.</summary>
    private async Task QueueDueAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var due = await db.Set<DirectorySettings>().Where(s => s.Interval != null && s.NextRunAt <= now).ToListAsync(ct);
        foreach (var settings in due)
        {
            settings.NextRunAt = now + settings.Interval!.Value;
            if (!await db.Set<DirectorySyncRun>().AnyAsync(r => r.OrganizationId == settings.OrganizationId &&
                    (r.State == SyncState.Queued || r.State == SyncState.Running), ct))
                db.Add(new DirectorySyncRun(settings.OrganizationId, null, now));
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private async Task<DirectorySyncRun?> ClaimAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var run = await db.Set<DirectorySyncRun>()
            .Where(r => r.State == SyncState.Queued || (r.State == SyncState.Running && r.LeasedUntil < now))
            .OrderBy(r => r.RequestedAt).FirstOrDefaultAsync(ct);
        if (run is null)
            return null;
        if (run.Attempts >= MaxAttempts)
            run.Fail($"The sync stopped {run.Attempts} times before it was complete; nothing of the last attempt was applied.", now);
        else
            run.Start(now, options.Value.Lease);
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return null;                                 // another node took it first; the next round looks again
        }
        return run.State == SyncState.Running ? run : await ClaimAsync(ct);
    }

    private async Task CarryOutAsync(DirectorySyncRun run, CancellationToken ct)
    {
        try
        {
            var settings = await WithDbAsync(db => db.Set<DirectorySettings>().AsNoTracking().SingleOrDefaultAsync(s => s.OrganizationId == run.OrganizationId, ct));
            if (settings is null)
                throw new DirectoryUnavailableException("The directory was disconnected before the sync ran.");
            var reading = System.Diagnostics.Stopwatch.StartNew();
            var reader = new DirectoryReader(settings, secrets.Unprotect(settings), options.Value.RequestTimeout, options.Value.PageSize);
            var (people, groups) = await Task.Run(() => reader.ReadAll(
                read => UpdateAsync(run.Id, r => r.Progress("reading", read, clock.GetUtcNow(), options.Value.Lease), ct).GetAwaiter().GetResult(), ct), ct);
            reading.Stop();
            var applying = System.Diagnostics.Stopwatch.StartNew();
            await UpdateAsync(run.Id, r => r.Progress("applying", people.Count + groups.Count, clock.GetUtcNow(), options.Value.Lease), ct);

            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            var now = clock.GetUtcNow();
            var actor = run.RequestedBy ?? settings.UpdatedBy;
            var syncer = new DirectorySyncer(db, run.OrganizationId, actor, run.Id, now);
            await using (var tx = await db.BeginWriteAsync(ct))
            {
                var report = await syncer.ApplyAsync(people, groups, ct);
                await db.AuditAsync(run.OrganizationId, AuditAction.DirectorySyncCompleted, run.RequestedBy, "directory-sync", run.Id.ToString(),
                    report.Counts, null, now, ct);
                var tracked = await db.Set<DirectorySyncRun>().SingleAsync(r => r.Id == run.Id, ct);
                tracked.Complete(JsonSerializer.Serialize(report, JsonSerializerOptions.Web), clock.GetUtcNow());
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                LogDone(logger, run.Id, run.OrganizationId, report.Counts.Created, report.Counts.Updated, report.Counts.Deactivated, report.Counts.Skipped,
                    reading.Elapsed.TotalSeconds, applying.Elapsed.TotalSeconds);
            }
            // Announced after the commit, never before.
            if (syncer.DeactivatedUsers.Count > 0)
                sessions.Invalidate();
            foreach (var userId in syncer.DeactivatedUsers)
                connections.AbortUser(userId);
            foreach (var change in syncer.MembershipChanges)
                await events.MembershipChangedAsync(change, ct);
        }
        catch (DirectoryUnavailableException e)
        {
            LogUnavailable(logger, run.Id, run.OrganizationId, e.Message);
            await FailAsync(run, e.Message, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e, run.Id);
            await FailAsync(run, "The sync could not be completed; nothing of it was applied. Run it again.", ct);
        }
    }

    /// <summary>Marks the run failed, with an audit event that says why.</summary>
    private async Task FailAsync(DirectorySyncRun run, string error, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(run.OrganizationId, AuditAction.DirectorySyncFailed, run.RequestedBy, "directory-sync", run.Id.ToString(),
            new { error }, null, now, ct);
        var tracked = await db.Set<DirectorySyncRun>().SingleAsync(r => r.Id == run.Id, ct);
        tracked.Fail(error, now);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    private Task UpdateAsync(Guid runId, Action<DirectorySyncRun> change, CancellationToken ct) => WithDbAsync(async db =>
    {
        await using var tx = await db.BeginWriteAsync(ct);
        change(await db.Set<DirectorySyncRun>().SingleAsync(r => r.Id == runId, ct));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    });

    private async Task<T> WithDbAsync<T>(Func<ParleyDb, Task<T>> work)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<ParleyDb>());
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Directory sync {RunId} of organization {OrganizationId} done: {Created} created, {Updated} updated, {Deactivated} deactivated, {Skipped} skipped; read in {ReadSeconds:F1} s, applied in {ApplySeconds:F1} s")]
    private static partial void LogDone(ILogger logger, Guid runId, Guid organizationId, int created, int updated, int deactivated, int skipped,
        double readSeconds, double applySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Directory sync {RunId} of organization {OrganizationId} could not read the directory: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, Guid runId, Guid organizationId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Directory sync {RunId} could not be completed")]
    private static partial void LogFailed(ILogger logger, Exception e, Guid runId);
}

public static class DirectorySyncEndpoints
{
    public static void MapDirectorySyncEndpoints(this RouteGroupBuilder api)
    {
        var directory = api.MapGroup("/organization/directory").WithTags("Directory sync");
        directory.MapGet("/", DirectorySettingsOperations.GetAsync)
            .WithSummary("Get the organization's directory settings")
            .WithDescription("Admins only. The bind password is never returned: `bindPasswordSet` says whether one is stored.")
            .WithProblems(403, 404);
        directory.MapPut("/", DirectorySettingsOperations.PutAsync)
            .WithSummary("Connect an LDAP directory or Active Directory, or change its settings")
            .WithDescription("Admins only; audited. The bind password is required the first time and kept encrypted; left out later, " +
                "the stored one is kept. `intervalMinutes` schedules syncs; without it they run only when asked for.")
            .WithProblems(400, 403);
        directory.MapDelete("/", DirectorySettingsOperations.DeleteAsync)
            .WithSummary("Disconnect the directory")
            .WithDescription("Admins only; audited. The people it made stay.")
            .WithProblems(403, 404);
        directory.MapPost("/sync", DirectorySyncRuns.StartAsync)
            .WithSummary("Sync the directory now")
            .WithDescription("Admins only; audited. Answers 202 with the run, whose `Location` gives its progress and, once done, " +
                "its report: people created, linked, updated, deactivated, reactivated, entries skipped with their reason, and channel " +
                "memberships from groups. While a run is queued or running, that run is answered.")
            .WithProblems(403, 404);
        directory.MapGet("/runs", DirectorySyncRuns.ListAsync)
            .WithSummary("The last 20 syncs, newest first, without their reports").WithProblems(403);
        directory.MapGet("/runs/{runId:guid}", DirectorySyncRuns.GetAsync)
            .WithSummary("One sync: its progress, and its report once done").WithProblems(403, 404);
    }

    public static IServiceCollection AddDirectorySync(this IServiceCollection services)
    {
        services.AddOptions<DirectoryOptions>().BindConfiguration(DirectoryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DirectorySecrets>();
        services.AddSingleton<DirectorySyncWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DirectorySyncWorker>());
        return services;
    }
}
