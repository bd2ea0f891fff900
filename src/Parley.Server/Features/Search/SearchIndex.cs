using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;

namespace Parley.Server.Features.Search;

/// <summary>Asks the full-text index of each engine (<see cref="SearchIndexSql"/>), and rebuilds it.</summary>
public static class SearchIndex
{
    /// <summary>Every message whose text or file names hold all the query's terms, with a score: lower ranks first.</summary>
    /// <remarks>What is put into the SQL text is placeholders and numbers only; the terms travel as parameters.</remarks>
    public static IQueryable<SearchMatch> Matches(ParleyDb db, SearchQuery query)
    {
        if (!db.Database.IsNpgsql())
            return db.Database.SqlQueryRaw<SearchMatch>(
                $$"""SELECT rowid AS "Id", {{SqliteScore}} AS "Score" FROM "MessageSearch" WHERE "MessageSearch" MATCH {0}""",
                SqliteQuery(query));
        var sql = $"""
            SELECT s."MessageId" AS "Id", -ts_rank_cd(s."Document", q.query)::double precision AS "Score"
            FROM "MessageSearch" s CROSS JOIN (SELECT {PostgresQuery(query.Terms.Count)} AS query) q
            WHERE s."Document" @@ q.query
            """;
        return db.Database.SqlQueryRaw<SearchMatch>(sql, [.. query.Terms]);
    }

    /// <summary>
    /// SQLite's score, lower first: FTS5's BM25, a match in the text weighing twice one in a file name. Its first call
    /// counts, for each word, the messages in the index that hold it (the inverse document frequency), which costs about
    /// 16 ms for a word found in half a million messages and under 4 ms for one in tens of thousands. Counting each
    /// result's matches with <c>highlight()</c> instead, without that count, was measured: slower for every word but the
    /// commonest (3 ms against 0.3 ms for a rare word, 11 against 4 for an uncommon one, 11 against 16 for the commonest).
    /// </summary>
    private const string SqliteScore = """bm25("MessageSearch", 2.0, 1.0)""";

    /// <summary>The text around the matches of each message, as <see cref="Snippets.Html"/>.</summary>
    public static async Task<Dictionary<long, string>> SnippetsAsync(ParleyDb db, SearchQuery query, IReadOnlyList<long> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
            return [];
        var list = string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)));
        var sql = db.Database.IsNpgsql()
            ? $$"""
                SELECT m."Id", ts_headline('parley_english', m."Content", q.query, {{{query.Terms.Count}}}) AS "Text"
                FROM "Messages" m CROSS JOIN (SELECT {{PostgresQuery(query.Terms.Count)}} AS query) q
                WHERE m."Id" IN ({{list}})
                """
            : $$"""
                SELECT rowid AS "Id", snippet("MessageSearch", -1, char(57344), char(57345), '…', 24) AS "Text"
                FROM "MessageSearch" WHERE "MessageSearch" MATCH {0} AND rowid IN ({{list}})
                """;
        object[] parameters = db.Database.IsNpgsql()
            ? [.. query.Terms, $"StartSel={Snippets.Start}, StopSel={Snippets.End}, MaxWords=30, MinWords=12, MaxFragments=1"]
            : [SqliteQuery(query)];
        var rows = db.Database.SqlQueryRaw<Snippet>(sql, parameters);
        return (await rows.ToListAsync(ct)).ToDictionary(s => s.Id, s => Snippets.Html(s.Text));
    }

    /// <summary>Empties the index and fills it again from the messages and files: <c>admin search-rebuild</c>.</summary>
    public static async Task<long> RebuildAsync(ParleyDb db, CancellationToken ct)
    {
        db.Database.SetCommandTimeout(TimeSpan.FromHours(1));
        await using var tx = await db.BeginWriteAsync(ct);
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync("TRUNCATE \"MessageSearch\"", ct);
            await db.Database.ExecuteSqlRawAsync(SearchIndexSql.PostgresFill, ct);
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("DELETE FROM \"MessageSearch\"", ct);
            await db.Database.ExecuteSqlRawAsync(SearchIndexSql.SqliteFill, ct);
        }
        await tx.CommitAsync(ct);
        return await db.Messages.LongCountAsync(ct);
    }

    /// <summary>FTS5: each term a quoted phrase (terms hold only letters, digits and single spaces), all of them required.</summary>
    private static string SqliteQuery(SearchQuery query) => string.Join(" ", query.Terms.Select(t => $"\"{t}\""));

    /// <summary>
    /// PostgreSQL: each term (parameter {i}) as a phrase in English or in French, all of them required. A term made only of
    /// stop words adds nothing.
    /// </summary>
    private static string PostgresQuery(int terms) => string.Join(" && ", Enumerable.Range(0, terms).Select(i =>
        $"(phraseto_tsquery('parley_english', {{{i}}}) || phraseto_tsquery('parley_french', {{{i}}}))"));

    private sealed record Snippet(long Id, string Text);
}
