using Microsoft.AspNetCore.SignalR;

namespace Parley.Server.Realtime;

/// <summary>
/// SignalR logs every exception a hub method throws at error level, the <see cref="HubException"/>s that answer a
/// caller ("you can't type there") included. Its own log of failed invocations is turned off (see
/// <see cref="RealtimeSetup"/>); this filter logs at error only what no hub method expected, so errors in the log are
/// ones to look at.
/// </summary>
public sealed partial class HubErrors(ILogger<HubErrors> logger) : IHubFilter
{
    public const string DispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext context, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (e is not HubException and not OperationCanceledException)
        {
            LogFailed(logger, context.HubMethodName, e);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Hub method {Method} failed")]
    private static partial void LogFailed(ILogger logger, string method, Exception e);
}
