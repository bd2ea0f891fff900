using System.Diagnostics;

namespace Parley.Bench;

/// <summary>
/// Search (<c>POST /api/v1/search/messages</c>) over the seeded history, whose words come from <see cref="Vocabulary"/>:
/// a rare word (a few hundred matches per million messages), an uncommon one (tens of thousands), two words, a common
/// word that most messages hold, by relevance and newest first, and a filter alone. One searcher, queries one after
/// the other; the target is p99 under 50 ms with a million messages stored.
/// </summary>
public static class SearchScenario
{
    private sealed record Query(string Name, string Text, string Sort);

    public static async Task<SearchResult> RunAsync(BenchSettings settings, ParleyApi api, ServerProbe server, BenchUser owner,
        HistoryScenario.Seeded seeded, Action<string> log, CancellationToken ct)
    {
        var stored = seeded.ViaApi + seeded.Bulk;
        await RecordScenario.WaitForLogAsync(settings, seeded.Conversation, log, ct);
        log($"search: {settings.SearchQueries} queries of each kind over {stored:N0} messages");
        Query[] queries =
        [
            new("rare word", Vocabulary.Word(3000), "relevance"),
            new("uncommon word", Vocabulary.Word(50), "relevance"),
            new("two words", $"{Vocabulary.Word(40)} {Vocabulary.Word(120)}", "relevance"),
            new("common word, by relevance", Vocabulary.Word(1), "relevance"),
            new("common word, newest first", Vocabulary.Word(1), "recent"),
            new("a filter alone (in:#history)", "in:#history", "recent"),
        ];
        var rows = new List<SearchRow>();
        foreach (var query in queries)
        {
            for (var i = 0; i < 5; i++)                      // warm-up: JIT, connection pool, the engine's caches
                await SearchAsync(api, owner, query, ct);
            var samples = new List<long>();
            var hits = 0;
            var cpu0 = server.CpuSeconds();
            var deadline = Stopwatch.GetTimestamp() + (long)(settings.HistoryDuration.TotalSeconds * Stopwatch.Frequency);
            while (samples.Count < settings.SearchQueries && Stopwatch.GetTimestamp() < deadline)
            {
                var t = Stopwatch.GetTimestamp();
                hits = await SearchAsync(api, owner, query, ct);
                samples.Add(Stopwatch.GetTimestamp() - t);
            }
            var cpu = Math.Round((server.CpuSeconds() - cpu0) * 1e3 / samples.Count, 1);
            var ms = Percentiles.Of([.. samples]);
            log($"  {query.Name} \"{query.Text}\": {hits} on the first page; p50 {ms.P50} p99 {ms.P99} max {ms.Max} ms, {cpu} ms server CPU per query");
            rows.Add(new SearchRow(query.Name, query.Text, query.Sort, hits, ms, cpu));
        }
        return new SearchResult(stored, rows);
    }

    private static async Task<int> SearchAsync(ParleyApi api, BenchUser owner, Query query, CancellationToken ct) =>
        (await api.PostAsync<Page>("/api/v1/search/messages", new { q = query.Text, sort = query.Sort }, owner.Token, ct)).Hits.Count;

    private sealed record Page(List<object> Hits, bool HasMore);
}

/// <summary>
/// Five thousand made-up words, used with a log-uniform frequency (the word of rank r about as often as the ranks
/// r to 2r together): a few words are in most messages, most words in few. Deterministic, so runs compare.
/// </summary>
public static class Vocabulary
{
    public const int Size = 5000;
    private static readonly string[] Syllables =
        ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fi", "gu", "he", "ja", "ko", "lu", "ma", "no", "pe"];

    /// <summary>The word of rank <paramref name="rank"/>, 1 the most frequent.</summary>
    public static string Word(int rank)
    {
        var n = rank - 1;
        return string.Concat(Syllables[n % 20], Syllables[n / 20 % 20], Syllables[n / 400 % 20], n >= 8000 ? "x" : "");
    }

    /// <summary>Ten words for message <paramref name="seq"/>.</summary>
    public static string Sentence(long seq)
    {
        var random = new Random(unchecked((int)seq * 7919));
        return string.Join(' ', Enumerable.Range(0, 10).Select(_ => Word(Math.Max(1, (int)Math.Pow(Size, random.NextDouble())))));
    }
}
