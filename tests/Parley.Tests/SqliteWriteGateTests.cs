using Microsoft.Data.Sqlite;
using Parley.Server.Data;

namespace Parley.Tests;

/// <summary>Group commit on a real SQLite file: who waits for whom, and what each writer's savepoint keeps or undoes.</summary>
public sealed class SqliteWriteGateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("parley-gate-").FullName;
    private readonly SqliteWriteGate _gate = new();

    private string ConnectionString => new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder, "gate.db"), Pooling = false }.ToString();

    public SqliteWriteGateTests()
    {
        using var setup = new SqliteConnection(ConnectionString);
        setup.Open();
        Execute(setup, null, "PRAGMA journal_mode=WAL; CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);");
    }

    [Fact]
    public async Task Writers_who_queue_share_one_commit_and_each_keeps_or_undoes_only_its_own_part()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await _gate.EnterAsync(ConnectionString, ct);
        var second = _gate.EnterAsync(ConnectionString, ct);   // both queue while the first holds the gate
        var third = _gate.EnterAsync(ConnectionString, ct);
        first.Begin();
        Write(first, "kept by the first");

        var firstDone = first.KeepAsync();                   // others wait: the group stays open
        var secondWriter = await second;
        Assert.Same(first.Batch, secondWriter.Batch);
        Assert.False(firstDone.IsCompleted);
        Assert.Equal(0, CountOnDisk());
        secondWriter.Begin();
        Write(secondWriter, "undone by the second");
        await Task.WhenAll(secondWriter.DiscardAsync(), LastAsync(await third));

        await firstDone;
        Assert.Equal(["kept by the first", "kept by the third"], Texts());
    }

    [Fact]
    public async Task A_writer_who_gives_up_waiting_does_not_keep_the_group_open()
    {
        var first = await _gate.EnterAsync(ConnectionString, TestContext.Current.CancellationToken);
        using var giveUp = new CancellationTokenSource();
        var second = _gate.EnterAsync(ConnectionString, giveUp.Token);
        first.Begin();
        Write(first, "kept");

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        await first.KeepAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(["kept"], Texts());
        var third = await _gate.EnterAsync(ConnectionString, TestContext.Current.CancellationToken);   // the gate is free
        await third.DiscardAsync();
    }

    [Fact]
    public async Task A_writer_alone_commits_at_once()
    {
        var writer = await _gate.EnterAsync(ConnectionString, TestContext.Current.CancellationToken);
        writer.Begin();
        Write(writer, "alone");

        await writer.KeepAsync();

        Assert.Equal(["alone"], Texts());
    }

    [Fact]
    public async Task A_failed_statement_undoes_only_its_writer_and_the_group_still_commits()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await _gate.EnterAsync(ConnectionString, ct);
        var second = _gate.EnterAsync(ConnectionString, ct);
        first.Begin();
        Write(first, "same text");
        var firstDone = first.KeepAsync();

        var duplicate = await second;
        duplicate.Begin();
        Assert.Throws<SqliteException>(() => Write(duplicate, "same text"));   // the unique index refuses it
        await duplicate.DiscardAsync();

        await firstDone;
        Assert.Equal(["same text"], Texts());
    }

    private async Task LastAsync(SqliteWriteGate.Writer writer)
    {
        writer.Begin();
        Write(writer, "kept by the third");
        await writer.KeepAsync();
    }

    private static void Write(SqliteWriteGate.Writer writer, string text) =>
        Execute(writer.Batch.Connection, writer.Batch.Transaction, $"INSERT INTO notes (text) VALUES ('{text}');");

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private int CountOnDisk() => Texts().Count;

    /// <summary>Read on a connection of its own: only committed rows.</summary>
    private List<string> Texts()
    {
        using var reader = new SqliteConnection(ConnectionString);
        reader.Open();
        using var command = reader.CreateCommand();
        command.CommandText = "SELECT text FROM notes ORDER BY id";
        using var rows = command.ExecuteReader();
        var texts = new List<string>();
        while (rows.Read())
            texts.Add(rows.GetString(0));
        return texts;
    }

    public void Dispose()
    {
        _gate.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
