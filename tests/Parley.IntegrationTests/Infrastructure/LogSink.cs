using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>Keeps what the server logs at information level and above, so a test can say what an operator reads and what must not be there.</summary>
public sealed class LogSink : ILoggerProvider
{
    public sealed record Entry(LogLevel Level, string Category, string Message, Exception? Exception)
    {
        public override string ToString() => $"{Level} {Category}: {Message}{(Exception is null ? "" : $" ({Exception.GetType().Name}: {Exception.Message})")}";
    }

    private readonly ConcurrentQueue<Entry> _entries = new();

    public IReadOnlyList<Entry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Information and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                sink._entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), exception));
        }
    }
}
