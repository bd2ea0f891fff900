using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>
/// Keeps every server log entry at Error level or above that was written while serving a request carrying
/// <see cref="Header"/>, by its value, so a test can prove that nothing it sent reached the log as a failure while other
/// tests run on the same server.
/// </summary>
public sealed class ErrorLog(IHttpContextAccessor http) : ILoggerProvider
{
    public const string Header = "X-Test-Run";
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Entries = new();

    public static IReadOnlyCollection<string> For(string run) => Entries.TryGetValue(run, out var entries) ? entries : [];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, http);

    public void Dispose() { }

    private sealed class Logger(string category, IHttpContextAccessor http) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Error || http.HttpContext?.Request.Headers[Header] is not [{ Length: > 0 } run])
                return;
            Entries.GetOrAdd(run, _ => new ConcurrentQueue<string>())
                .Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name}: {exception?.Message}");
        }
    }
}
