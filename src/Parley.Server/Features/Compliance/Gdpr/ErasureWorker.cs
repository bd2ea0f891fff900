using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Files;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Compliance.Gdpr;

/// <summary>
/// Carries out erasure requests in the background, one at a time per node: takes a request by a lease, erases what the
/// person sent batch by batch (<see cref="PersonErasure"/>, each message its own short transaction), renewing the lease
/// and saving the progress after each batch, then erases the personal data of the audit entries about them and stores
/// the report. A request cut short (a crash, a shutdown) lets its lease run out and is taken up again where the data
/// says it stopped: what was erased is not found again.
/// </summary>
public sealed partial class ErasureWorker(
    IServiceScopeFactory scopes, FileStore files, LiveEvents events, IOptions<ErasureOptions> options, TimeProvider clock,
    ILogger<ErasureWorker> logger) : RoundWorker(logger)
{
    private const int MaxAttempts = 3;

    /// <summary>Raised after each batch's progress is saved, with the request's id (tests stop a request half-way with it).</summary>
    internal event Action<Guid>? BatchSaved;

    protected override bool InBackground => options.Value.BackgroundErasure;

    protected override TimeSpan PollInterval => options.Value.PollInterval;

    /// <summary>Carries out every request waiting (or left by a node that stopped) until none is left.</summary>
    protected override async Task RoundAsync(CancellationToken ct)
    {
        while (await ClaimAsync(ct) is { } request)
            await CarryOutAsync(request, ct);
    }

    /// <summary>The oldest request waiting or whose worker's lease ran out, now leased to this node; null when there is none.</summary>
    private async Task<ErasureRequest?> ClaimAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var request = await db.ErasureRequests
            .Where(x => x.State == ErasureState.Queued || (x.State == ErasureState.Running && x.LeasedUntil < now))
            .OrderBy(x => x.RequestedAt).FirstOrDefaultAsync(ct);
        if (request is null)
            return null;
        if (request.Attempts >= MaxAttempts)
            request.Fail($"The erasure stopped {request.Attempts} times before it was complete; ask for it again to finish it.", now);
        else
            request.Start(now, options.Value.Lease);
        try
        {
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return null;                                 // another node took it first; the next round looks again
        }
        return request.State == ErasureState.Running ? request : await ClaimAsync(ct);
    }

    /// <summary>
    /// Stopping (<paramref name="stopping"/>) takes effect between batches, once the last one's progress is saved, so that
    /// the counts carried over stay exact; only a crash can leave one batch erased but not counted.
    /// </summary>
    private async Task CarryOutAsync(ErasureRequest request, CancellationToken stopping)
    {
        var ct = CancellationToken.None;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            var now = clock.GetUtcNow();
            var erasure = new PersonErasure(db, files, events, request.OrganizationId, request.UserId, request.RequestedBy, now);
            var (carried, filesCarried) = (request.MessagesErased, request.FilesErased);
            var total = carried + await erasure.CountRemainingAsync(ct);
            var looked = carried;
            await UpdateAsync(request.Id, x => x.Progress(looked, total, 0, 0, clock.GetUtcNow(), options.Value.Lease), ct);
            var content = await erasure.EraseMessagesAsync(async batch =>
            {
                looked += batch.Looked;
                await UpdateAsync(request.Id, x => x.Progress(looked, total, batch.Erased, batch.Files, clock.GetUtcNow(), options.Value.Lease), ct);
                BatchSaved?.Invoke(request.Id);
                stopping.ThrowIfCancellationRequested();
            }, ct);
            db.ChangeTracker.Clear();

            var pseudonym = Pseudonym.Of(request.UserId);
            var (messagesErased, filesErased) = (carried + content.Erased, filesCarried + content.Files);
            var auditErased = await ErasePersonalData.EraseAuditAsync(db, request, pseudonym, content, messagesErased, filesErased, clock.GetUtcNow(), ct);
            var erasedAt = await FirstErasedAtAsync(db, request, ct);
            var report = new ErasureReportDto(request.UserId, request.Repeated ? "already-erased" : "erased", pseudonym.DisplayName, erasedAt,
                messagesErased, filesErased, auditErased, content.Kept.Values.Sum(),
                [.. content.Kept.OrderBy(k => k.Key.ConversationId).ThenBy(k => k.Key.Reason, StringComparer.Ordinal)
                    .Select(k => new KeptMessagesDto(k.Key.ConversationId, k.Key.Reason, k.Value))], content.FilesKept);
            await UpdateAsync(request.Id, x => x.Complete(JsonSerializer.Serialize(report, JsonSerializerOptions.Web), clock.GetUtcNow()), ct);
            LogDone(logger, request.Id, messagesErased, report.KeptTotal);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e, request.Id);
            await UpdateAsync(request.Id, x => x.Fail("The erasure could not be completed; ask for it again to finish it.", clock.GetUtcNow()), ct);
        }
    }

    /// <summary>When the person was first erased: this request's time, or the first request's for a repeated one.</summary>
    private static async Task<DateTimeOffset> FirstErasedAtAsync(ParleyDb db, ErasureRequest request, CancellationToken ct)
    {
        if (!request.Repeated)
            return request.RequestedAt;
        var first = await db.ErasureRequests.Where(r => r.OrganizationId == request.OrganizationId && r.UserId == request.UserId && !r.Repeated)
            .Select(r => (DateTimeOffset?)r.RequestedAt).OrderBy(at => at).FirstOrDefaultAsync(ct);
        // An erasure made before requests were kept is known by its deactivation in the audit log.
        return first ?? await db.AuditEvents.Where(a => a.OrganizationId == request.OrganizationId && a.Action == AuditAction.UserDeactivated
                && a.TargetType == "user" && a.TargetId == request.UserId.ToString())
            .OrderByDescending(a => a.Index).Select(a => (DateTimeOffset?)a.At).FirstOrDefaultAsync(ct) ?? request.RequestedAt;
    }

    private async Task UpdateAsync(Guid requestId, Action<ErasureRequest> change, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        await using var tx = await db.BeginWriteAsync(ct);
        var request = await db.ErasureRequests.SingleAsync(x => x.Id == requestId, ct);
        change(request);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Erasure request {RequestId} done: {Erased} messages erased, {Kept} kept")]
    private static partial void LogDone(ILogger logger, Guid requestId, int erased, int kept);

    [LoggerMessage(Level = LogLevel.Error, Message = "Erasure request {RequestId} could not be completed")]
    private static partial void LogFailed(ILogger logger, Exception e, Guid requestId);
}
