using Microsoft.Data.Sqlite;

namespace Parley.Server.Data;

/// <summary>
/// How this process writes to one SQLite file: one writer at a time, in arrival order, with group commit.
/// <para>
/// SQLite lets one connection write at a time. When a second one asks, Microsoft.Data.Sqlite retries it by putting its
/// thread to sleep (150 ms at a time): under concurrent sends that turned milliseconds into hundreds of milliseconds.
/// Writers of this process queue here instead, without holding a thread.
/// </para>
/// <para>
/// Each commit waits for the disk (<c>synchronous=FULL</c>: an fsync), and that wait, not the work, bounded how many
/// writes per second the file took. So writers share a transaction: a writer runs its work inside a savepoint of the
/// open <see cref="Batch"/> on the gate's own connection; if another writer is already waiting when it is done, it hands
/// the gate on without committing, and the last writer of the group commits for all of them. Every writer still returns
/// only after that commit, so an acknowledged write is on disk; a writer whose work fails rolls back its savepoint
/// alone. With no one waiting a writer commits at once, so a quiet server adds no delay.
/// </para>
/// There is one gate per server (a singleton) and so per database file. PostgreSQL locks rows and commits in groups on
/// its own.
/// </summary>
public sealed class SqliteWriteGate(StorageHealth? storage = null) : IDisposable
{
    /// <summary>A group commits after this many writers even when more are waiting, which bounds their wait.</summary>
    public const int MaxWritersPerCommit = 64;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _waiting;
    private SqliteConnection? _connection;   // used only by the writer holding the gate
    private Batch? _open;

    /// <summary>
    /// Waits for the gate, then joins the open group (or opens one) on the gate's connection to
    /// <paramref name="connectionString"/>. The writer must then keep or discard its work.
    /// </summary>
    public async Task<Writer> EnterAsync(string connectionString, CancellationToken ct)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            await _gate.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _waiting);
            SettleAbandoned();
            throw;
        }
        Interlocked.Decrement(ref _waiting);
        try
        {
            var batch = _open ??= Batch.Begin(_connection ??= Open(connectionString));
            batch.Writers++;
            return new Writer(this, batch);
        }
        catch
        {
            _connection?.Dispose();
            _connection = null;
            _gate.Release();
            throw;
        }
    }

    private static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    public void Dispose() => _connection?.Dispose();

    /// <summary>Called by the writer holding the gate when its part is done (kept or rolled back).</summary>
    private void Leave(Batch batch)
    {
        var handOn = false;
        try
        {
            handOn = Volatile.Read(ref _waiting) > 0 && batch.Writers < MaxWritersPerCommit && !batch.Failed;
            if (!handOn)
                Commit(batch);
        }
        finally
        {
            _gate.Release();
        }
        if (handOn && Volatile.Read(ref _waiting) == 0)
            SettleAbandoned();   // the writer it was left open for gave up in the meantime
    }

    /// <summary>
    /// A writer gave up waiting. If it was the one the last writer left the group open for, nobody would commit that
    /// group and its writers would wait for ever: whoever finds the gate free and no one else waiting commits it. Both
    /// the writer that gives up and the one that handed on check, so the race between them leaves no group open.
    /// </summary>
    private void SettleAbandoned()
    {
        if (!_gate.Wait(0))
            return;   // a writer holds the gate and will decide when it leaves
        try
        {
            if (_open is { } batch && Volatile.Read(ref _waiting) == 0)
                Commit(batch);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Commit(Batch batch)
    {
        _open = null;
        batch.Commit();
        if (batch.Failed)
        {
            _connection?.Dispose();   // whatever went wrong, the next group starts from a fresh connection
            _connection = null;
        }
        else
        {
            storage?.Written(StorageArea.Database);
        }
    }

    /// <summary>One transaction on the gate's connection, shared by the writers that came while it was open.</summary>
    public sealed class Batch
    {
        private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Batch(SqliteConnection connection, SqliteTransaction transaction) => (Connection, Transaction) = (connection, transaction);

        public SqliteConnection Connection { get; }
        public SqliteTransaction Transaction { get; }
        public int Writers { get; set; }
        public bool Failed { get; private set; }
        public Task Committed => _committed.Task;

        internal static Batch Begin(SqliteConnection connection) => new(connection, connection.BeginTransaction(deferred: false));

        /// <summary>A writer's work failed in a way its savepoint may not undo: the group must not commit it.</summary>
        internal void Poison() => Failed = true;

        internal void Commit()
        {
            try
            {
                if (Failed)
                    throw new InvalidOperationException("A write in this group failed and could not be undone alone; the group was rolled back.");
                Transaction.Commit();
                _committed.TrySetResult();
            }
            catch (Exception e)
            {
                Failed = true;
                try { Transaction.Rollback(); } catch (SqliteException) { } catch (InvalidOperationException) { }
                _committed.TrySetException(e);
            }
            finally
            {
                Transaction.Dispose();
            }
        }
    }

    /// <summary>One writer's turn: its savepoint in the group, and the gate until it leaves.</summary>
    public sealed class Writer(SqliteWriteGate gate, Batch batch)
    {
        private const string Savepoint = "parley_writer";
        private int _left;

        public Batch Batch => batch;

        public void Begin() => batch.Transaction.Save(Savepoint);

        /// <summary>Keeps this writer's work in the group, leaves the gate, and waits until the group is on disk.</summary>
        public Task KeepAsync()
        {
            if (Interlocked.Exchange(ref _left, 1) == 1)
                throw new InvalidOperationException("This write was already committed or rolled back.");
            try
            {
                batch.Transaction.Release(Savepoint);
            }
            catch
            {
                Undo();
                gate.Leave(batch);
                throw;
            }
            gate.Leave(batch);
            return batch.Committed;
        }

        /// <summary>Undoes this writer's work, leaves the gate, and waits for the group's end (so what came before is settled).</summary>
        public async Task DiscardAsync()
        {
            if (Interlocked.Exchange(ref _left, 1) == 1)
                return;
            Undo();
            gate.Leave(batch);
            try { await batch.Committed; }
            catch (Exception e) when (e is SqliteException or InvalidOperationException) { }   // the others' failure, not this writer's
        }

        private void Undo()
        {
            try
            {
                batch.Transaction.Rollback(Savepoint);
                batch.Transaction.Release(Savepoint);
            }
            catch (Exception e) when (e is SqliteException or InvalidOperationException)
            {
                batch.Poison();
            }
        }
    }
}
