using System.Threading.Channels;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;

namespace Parley.Server.Features.Accounts;

/// <summary>
/// Audits failed sign-ins after the answer has gone out. A failure for a known account and one for an unknown email
/// then cost the caller the same (one password check, no durable write), so the answer's timing tells nobody whether
/// an account exists. The queue is bounded: a flood of failures cannot grow memory, and what overflows is counted in
/// the log instead of audited one by one.
/// </summary>
public sealed partial class FailedSignIns(IServiceScopeFactory scopes, ILogger<FailedSignIns> logger) : BackgroundService
{
    public const int Capacity = 10_000;

    private readonly Channel<Item> _queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private long _dropped;

    /// <param name="Reason"><c>password</c>, <c>deactivated</c> or <c>suspended</c>.</param>
    public sealed record Failure(Guid OrganizationId, Guid UserId, string Reason, string? Address, DateTimeOffset At);

    private sealed record Item(Failure? Failure, TaskCompletionSource? Flushed);

    public void Enqueue(Failure failure)
    {
        if (!_queue.Writer.TryWrite(new Item(failure, null)) && Interlocked.Increment(ref _dropped) % 1000 == 1)
            LogDropped(logger, Interlocked.Read(ref _dropped));
    }

    /// <summary>Completes once every failure enqueued before the call is in the audit log.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Item(null, flushed), ct);
        await flushed.Task.WaitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in _queue.Reader.ReadAllAsync(stoppingToken))
                await HandleAsync(item, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: write what is already queued, then stop.
            while (_queue.Reader.TryRead(out var item))
                await HandleAsync(item, CancellationToken.None);
        }
    }

    private async Task HandleAsync(Item item, CancellationToken ct)
    {
        if (item.Flushed is { } flushed)
        {
            flushed.TrySetResult();
            return;
        }
        var f = item.Failure!;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            await using var tx = await db.BeginWriteAsync(ct);
            await db.AuditAsync(f.OrganizationId, AuditAction.LoginFailed, f.UserId, "user", f.UserId.ToString(),
                new { reason = f.Reason }, f.Address, f.At, ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            LogNotAudited(logger, e, f.OrganizationId, f.UserId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed sign-ins arrive faster than they can be audited; {Dropped} were logged here instead of in the audit log")]
    private static partial void LogDropped(ILogger logger, long dropped);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "A failed sign-in of user {UserId} in organization {OrganizationId} could not be written to the audit log")]
    private static partial void LogNotAudited(ILogger logger, Exception exception, Guid organizationId, Guid userId);
}
