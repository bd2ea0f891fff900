using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Npgsql;
using NpgsqlTypes;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;

namespace Parley.Bench;

/// <summary>
/// Bulk-inserts plain text messages at the end of a conversation that already has messages sent through the API,
/// continuing its record chain with the server's own <see cref="RecordEntry"/> (salted commitment, hash linked to the
/// previous entry) and moving the conversation's head, so the admin integrity check still verifies the whole chain.
/// Only for the history benchmark: the server must not be writing to this conversation meanwhile.
/// </summary>
public sealed class HistorySeeder(string provider, string connectionString)
{
    private const int Batch = 50_000;

    public async Task SeedAsync(long conversationId, long count, Action<string> log, CancellationToken ct)
    {
        // Each batch's statements run the search index's triggers: no 30-second default on them.
        await using DbConnection db = provider == "Postgres"
            ? new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 600 }.ConnectionString)
            : new SqliteConnection(connectionString);
        await db.OpenAsync(ct);
        if (db is SqliteConnection)
            await ExecuteAsync(db, null, "PRAGMA cache_size=-200000; PRAGMA busy_timeout=30000;", ct);

        var html = new MarkdownRenderer().Render(Text(1)).Html;
        if (html != $"<p>{Text(1)}</p>")
            throw new InvalidOperationException($"The renderer's HTML changed shape ({html}); update the seeder.");

        var head = await ReadHeadAsync(db, conversationId, ct);
        var start = DateTimeOffset.UtcNow.AddDays(-60);
        for (long done = 0; done < count; done += Batch)
        {
            var n = Math.Min(Batch, count - done);
            await using var tx = await db.BeginTransactionAsync(ct);
            var rows = new List<(long Seq, long Index, DateTimeOffset At, string Text, RecordEntry Entry)>((int)n);
            var previous = head.Hash;
            for (long i = 1; i <= n; i++)
            {
                var seq = head.Seq + i;
                var index = head.Index + i;
                var at = start.AddMilliseconds((done + i) * 5);
                var text = Text(seq);
                var entry = new RecordEntry(head.OrganizationId, conversationId, index, RecordKind.MessagePosted, seq, head.SenderId, at,
                    RecordFacts.Posted(null, [], MarkdownRenderer.Version), RecordFacts.MessageContent(text, $"<p>{text}</p>"), previous);
                previous = entry.Hash;
                rows.Add((seq, index, at, text, entry));
            }
            if (db is NpgsqlConnection pg)
                await CopyAsync(pg, conversationId, head, rows, ct);
            else
                await InsertAsync((SqliteConnection)db, (SqliteTransaction)tx, conversationId, head, rows, ct);
            head = head with { Seq = head.Seq + n, Index = head.Index + n, Hash = previous };
            await ExecuteAsync(db, tx, $"UPDATE \"Conversations\" SET \"LastEntryIndex\" = {head.Index}, \"LastMessageSeq\" = {head.Seq}, " +
                $"\"HeadHash\" = '{head.Hash}' WHERE \"Id\" = {conversationId}", ct);
            await tx.CommitAsync(ct);
            log($"  {done + n:N0} of {count:N0} messages seeded");
        }
    }

    /// <summary>Ten words of <see cref="Vocabulary"/>, so that search meets words as frequent and as rare as in real use.</summary>
    private static string Text(long seq) => $"History message {seq}: {Vocabulary.Sentence(seq)}.";

    private sealed record Head(Guid OrganizationId, Guid SenderId, string RawOrganizationId, string RawSenderId, long Seq, long Index, string Hash);

    private static async Task<Head> ReadHeadAsync(DbConnection db, long conversationId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT c.\"OrganizationId\", m.\"SenderId\", c.\"LastMessageSeq\", c.\"LastEntryIndex\", c.\"HeadHash\" " +
            $"FROM \"Conversations\" c JOIN \"Messages\" m ON m.\"ConversationId\" = c.\"Id\" WHERE c.\"Id\" = {conversationId} LIMIT 1";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
            throw new InvalidOperationException("Send some messages through the API before seeding: the seeder continues their chain.");
        // SQLite keeps GUIDs as text in EF's format; reuse the stored text exactly.
        var org = r.GetValue(0).ToString()!;
        var sender = r.GetValue(1).ToString()!;
        return new Head(Guid.Parse(org), Guid.Parse(sender), org, sender, r.GetInt64(2), r.GetInt64(3), r.GetString(4));
    }

    private static async Task InsertAsync(SqliteConnection db, SqliteTransaction tx, long conversationId, Head head,
        List<(long Seq, long Index, DateTimeOffset At, string Text, RecordEntry Entry)> rows, CancellationToken ct)
    {
        var time = new DateTimeOffsetToBinaryConverter();
        await using var message = db.CreateCommand();
        message.Transaction = tx;
        message.CommandText = "INSERT INTO \"Messages\" (\"OrganizationId\", \"ConversationId\", \"Seq\", \"SenderId\", \"Content\", \"Html\", " +
            "\"MentionsChannel\", \"ReplyCount\", \"Position\", \"CreatedAt\") VALUES ($o, $c, $s, $u, $t, $h, 0, 0, $p, $a)";
        await using var record = db.CreateCommand();
        record.Transaction = tx;
        record.CommandText = "INSERT INTO \"RecordEntries\" (\"OrganizationId\", \"ConversationId\", \"Index\", \"Kind\", \"MessageSeq\", \"ActorId\", " +
            "\"At\", \"Content\", \"Salt\", \"Commitment\", \"PreviousHash\", \"Hash\", \"Version\", \"Data\") VALUES ($o, $c, $i, 1, $s, $u, $a, $t, $salt, $m, $prev, $hash, 2, $data)";
        var m = Parameters(message, "$o", "$c", "$s", "$u", "$t", "$h", "$p", "$a");
        var e = Parameters(record, "$o", "$c", "$i", "$s", "$u", "$a", "$t", "$salt", "$m", "$prev", "$hash", "$data");
        m["$o"].Value = e["$o"].Value = head.RawOrganizationId;
        m["$u"].Value = e["$u"].Value = head.RawSenderId;
        m["$c"].Value = e["$c"].Value = conversationId;
        foreach (var row in rows)
        {
            var at = time.ConvertToProvider(row.At)!;
            (m["$s"].Value, m["$t"].Value, m["$h"].Value, m["$p"].Value, m["$a"].Value) = (row.Seq, row.Text, $"<p>{row.Text}</p>", row.Index, at);
            await message.ExecuteNonQueryAsync(ct);
            var r = row.Entry;
            (e["$i"].Value, e["$s"].Value, e["$a"].Value, e["$t"].Value, e["$salt"].Value) = (r.Index, r.MessageSeq, at, r.Content, r.Salt);
            (e["$m"].Value, e["$prev"].Value, e["$hash"].Value, e["$data"].Value) = (r.Commitment, r.PreviousHash, r.Hash, r.Data);
            await record.ExecuteNonQueryAsync(ct);
        }
    }

    private static Dictionary<string, SqliteParameter> Parameters(SqliteCommand command, params string[] names)
    {
        var map = names.ToDictionary(n => n, n => command.Parameters.Add(new SqliteParameter { ParameterName = n }));
        command.Prepare();
        return map;
    }

    private static async Task CopyAsync(NpgsqlConnection db, long conversationId, Head head,
        List<(long Seq, long Index, DateTimeOffset At, string Text, RecordEntry Entry)> rows, CancellationToken ct)
    {
        await using (var w = await db.BeginBinaryImportAsync("COPY \"Messages\" (\"OrganizationId\", \"ConversationId\", \"Seq\", \"SenderId\", " +
            "\"Content\", \"Html\", \"MentionsChannel\", \"ReplyCount\", \"Position\", \"CreatedAt\") FROM STDIN (FORMAT BINARY)", ct))
        {
            w.Timeout = TimeSpan.FromMinutes(10);
            foreach (var row in rows)
            {
                await w.StartRowAsync(ct);
                await w.WriteAsync(head.OrganizationId, NpgsqlDbType.Uuid, ct);
                await w.WriteAsync(conversationId, NpgsqlDbType.Bigint, ct);
                await w.WriteAsync(row.Seq, NpgsqlDbType.Bigint, ct);
                await w.WriteAsync(head.SenderId, NpgsqlDbType.Uuid, ct);
                await w.WriteAsync(row.Text, NpgsqlDbType.Text, ct);
                await w.WriteAsync($"<p>{row.Text}</p>", NpgsqlDbType.Text, ct);
                await w.WriteAsync(false, NpgsqlDbType.Boolean, ct);
                await w.WriteAsync(0, NpgsqlDbType.Integer, ct);
                await w.WriteAsync(row.Index, NpgsqlDbType.Bigint, ct);
                await w.WriteAsync(row.At, NpgsqlDbType.TimestampTz, ct);
            }
            await w.CompleteAsync(ct);
        }
        await using (var w = await db.BeginBinaryImportAsync("COPY \"RecordEntries\" (\"OrganizationId\", \"ConversationId\", \"Index\", \"Kind\", " +
            "\"MessageSeq\", \"ActorId\", \"At\", \"Content\", \"Salt\", \"Commitment\", \"PreviousHash\", \"Hash\", \"Version\", \"Data\") FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (_, _, at, _, r) in rows)
            {
                await w.StartRowAsync(ct);
                await w.WriteAsync(head.OrganizationId, NpgsqlDbType.Uuid, ct);
                await w.WriteAsync(conversationId, NpgsqlDbType.Bigint, ct);
                await w.WriteAsync(r.Index, NpgsqlDbType.Bigint, ct);
                await w.WriteAsync((int)RecordKind.MessagePosted, NpgsqlDbType.Integer, ct);
                await w.WriteAsync(r.MessageSeq, NpgsqlDbType.Bigint, ct);
                await w.WriteAsync(head.SenderId, NpgsqlDbType.Uuid, ct);
                await w.WriteAsync(at, NpgsqlDbType.TimestampTz, ct);
                await w.WriteAsync(r.Content!, NpgsqlDbType.Text, ct);
                await w.WriteAsync(r.Salt!, NpgsqlDbType.Varchar, ct);
                await w.WriteAsync(r.Commitment, NpgsqlDbType.Varchar, ct);
                await w.WriteAsync(r.PreviousHash, NpgsqlDbType.Varchar, ct);
                await w.WriteAsync(r.Hash, NpgsqlDbType.Varchar, ct);
                await w.WriteAsync(r.Version, NpgsqlDbType.Integer, ct);
                await w.WriteAsync(r.Data!, NpgsqlDbType.Text, ct);
            }
            await w.CompleteAsync(ct);
        }
    }

    private static async Task ExecuteAsync(DbConnection db, DbTransaction? tx, string sql, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
