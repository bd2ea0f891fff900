namespace Parley.Server.Platform;

/// <summary>
/// A background job that works in rounds: one at once when woken (work was just asked for), otherwise one every
/// <see cref="PollInterval"/>, which also takes up work a node that died left behind. One round at a time per node,
/// whoever asks for it: the background, a test, the operator's command. A round that fails is logged and the next one
/// tries again.
/// </summary>
public abstract partial class RoundWorker(ILogger logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>Whether rounds run in the background (tests run them on demand with <see cref="RunOnceAsync"/>).</summary>
    protected abstract bool InBackground { get; }

    protected abstract TimeSpan PollInterval { get; }

    /// <summary>One round: every piece of work waiting, until none is left.</summary>
    protected abstract Task RoundAsync(CancellationToken ct);

    /// <summary>Asks the background for a round now.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
            try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    /// <summary>Runs a round now, after the one under way if there is one.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        await _running.WaitAsync(ct);
        try
        {
            await RoundAsync(ct);
        }
        finally
        {
            _running.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!InBackground)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRoundFailed(logger, e);
            }
            try
            {
                await _wake.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A round of background work failed; the next round tries again")]
    private static partial void LogRoundFailed(ILogger logger, Exception e);
}
