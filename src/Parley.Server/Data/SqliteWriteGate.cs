using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;

namespace Parley.Server.Data;

/// <summary>
/// SQLite lets one connection write at a time. When a second one asks, Microsoft.Data.Sqlite retries it by putting its
/// thread to sleep (150 ms at a time) until the command timeout: under concurrent sends that turned milliseconds of
/// work into hundreds of milliseconds of latency and blocked thread-pool threads. Writers of this process queue here
/// instead, in arrival order and without holding a thread, so the database lock is never contended from inside.
/// There is one gate per database file in the process. PostgreSQL locks rows and needs no gate.
/// </summary>
public sealed class SqliteWriteGate
{
    private static readonly ConcurrentDictionary<string, SqliteWriteGate> ByFile = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The gate of the database file that <paramref name="connectionString"/> opens.</summary>
    public static SqliteWriteGate For(string connectionString)
    {
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        var key = file is "" or ":memory:" || file.StartsWith("file:", StringComparison.Ordinal) ? connectionString : Path.GetFullPath(file);
        return ByFile.GetOrAdd(key, _ => new SqliteWriteGate());
    }

    public async Task<IDisposable> EnterAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        return new Exit(_gate);
    }

    private sealed class Exit(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                gate.Release();
        }
    }

    /// <summary>A write transaction that leaves the gate when it is disposed, committed or not.</summary>
    internal sealed class Transaction(IDbContextTransaction inner, IDisposable exit) : IDbContextTransaction
    {
        public Guid TransactionId => inner.TransactionId;
        public void Commit() => inner.Commit();
        public Task CommitAsync(CancellationToken ct = default) => inner.CommitAsync(ct);
        public void Rollback() => inner.Rollback();
        public Task RollbackAsync(CancellationToken ct = default) => inner.RollbackAsync(ct);

        public void Dispose()
        {
            try { inner.Dispose(); }
            finally { exit.Dispose(); }
        }

        public async ValueTask DisposeAsync()
        {
            try { await inner.DisposeAsync(); }
            finally { exit.Dispose(); }
        }
    }
}
