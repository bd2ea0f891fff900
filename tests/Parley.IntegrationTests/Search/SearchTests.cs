using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Search;

namespace Parley.IntegrationTests.Search;

/// <summary>
/// Message search as a person uses it: words in English and French found whatever their endings and accents, phrases,
/// the filters, paging, and above all only what the searcher may read at the moment of the search.
/// </summary>
public abstract class SearchTests(ParleyApp app)
{
    private static Task<HttpResponseMessage> PostSearchAsync(Actor actor, string q, string? sort = null, int? page = null,
        long? conversationId = null, string? timeZone = null) =>
        actor.PostAsync("/api/v1/search/messages", new { q, sort, page, conversationId, timeZone });

    private static async Task<SearchResultsDto> SearchAsync(Actor actor, string q, string? sort = null, int? page = null,
        long? conversationId = null, string? timeZone = null) =>
        await (await PostSearchAsync(actor, q, sort, page, conversationId, timeZone)).ReadAsync<SearchResultsDto>(HttpStatusCode.OK);

    private static async Task<string[]> FoundAsync(Actor actor, string q, string? sort = null, int? page = null,
        long? conversationId = null, string? timeZone = null) =>
        (await SearchAsync(actor, q, sort, page, conversationId, timeZone)).Hits.Select(h => h.Message.Content!).ToArray();

    [Fact]
    public async Task Words_are_found_whatever_their_ending_or_accents_and_the_match_is_marked()
    {
        var org = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("deals");
        await org.Owner.SendAsync(channel.Id, "Le contrat est signé, réunion demain");
        await org.Owner.SendAsync(channel.Id, "Three meetings moved to Friday");
        await org.Owner.SendAsync(channel.Id, "Is 5 < 6 & \"quoted\" 'here'?");

        Assert.Equal(["Le contrat est signé, réunion demain"], await FoundAsync(org.Owner, "reunion"));
        Assert.Equal(["Le contrat est signé, réunion demain"], await FoundAsync(org.Owner, "CONTRATS signes"));
        Assert.Equal(["Three meetings moved to Friday"], await FoundAsync(org.Owner, "meeting"));
        Assert.Empty(await FoundAsync(org.Owner, "contrat meeting"));          // every word must be there

        var hit = Assert.Single((await SearchAsync(org.Owner, "réunion")).Hits);
        Assert.Contains("<mark>réunion</mark>", hit.Snippet);
        Assert.Equal("public", hit.ConversationKind);
        Assert.Equal("deals", hit.ConversationName);
        var escaped = Assert.Single((await SearchAsync(org.Owner, "quoted")).Hits);
        Assert.Contains("<mark>quoted</mark>&quot; &#39;here", escaped.Snippet);      // PostgreSQL's snippet runs from the match to the last word
        var text = escaped.Snippet.Replace("<mark>", "").Replace("</mark>", "");
        Assert.DoesNotContain('<', text);
        Assert.DoesNotContain('"', text);
    }

    [Fact]
    public async Task A_quoted_phrase_needs_its_words_together_and_in_order()
    {
        var org = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("phrases");
        await org.Owner.SendAsync(channel.Id, "the quarterly report is late");
        await org.Owner.SendAsync(channel.Id, "report on the quarterly numbers");

        Assert.Equal(2, (await FoundAsync(org.Owner, "quarterly report")).Length);
        Assert.Equal(["the quarterly report is late"], await FoundAsync(org.Owner, "\"quarterly report\""));
        Assert.Equal(["the quarterly report is late"], await FoundAsync(org.Owner, "“quarterly report"));     // unclosed: to the end
    }

    [Fact]
    public async Task Only_what_the_searcher_may_read_now_is_found()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var guest = await org.MemberAsync("Gus", "guest");
        var officer = await org.MemberAsync("Cora", "compliance");
        var secret = await org.Owner.CreateChannelAsync("board", "private", bob);
        var open = await org.Owner.CreateChannelAsync("general");
        await org.Owner.SendAsync(secret.Id, "pineapple acquisition plan");
        await org.Owner.SendAsync(open.Id, "pineapple for lunch");
        var deleted = await org.Owner.SendAsync(open.Id, "pineapple that was withdrawn");
        await (await org.Owner.DeleteAsync($"/api/v1/conversations/{open.Id}/messages/{deleted.Id}")).ShouldBe(HttpStatusCode.OK);
        var edited = await org.Owner.SendAsync(open.Id, "pineapple draft");
        await (await org.Owner.PatchAsync($"/api/v1/conversations/{open.Id}/messages/{edited.Id}", new { content = "mango final" })).ShouldBe(HttpStatusCode.OK);
        var other = await app.OrganizationAsync();
        var elsewhere = await other.Owner.CreateChannelAsync("general");
        await other.Owner.SendAsync(elsewhere.Id, "pineapple in another organization");

        Assert.Equal(["pineapple acquisition plan", "pineapple for lunch"], (await FoundAsync(bob, "pineapple", sort: "recent")).Reverse());
        Assert.Empty(await FoundAsync(guest, "pineapple"));                      // a guest reads no channel they are not in
        Assert.Equal(["pineapple in another organization"], await FoundAsync(other.Owner, "pineapple"));
        Assert.Equal(["mango final"], await FoundAsync(org.Owner, "mango"));
        Assert.Empty(await FoundAsync(org.Owner, "draft"));                      // the old version is in the record, not in search
        await (await PostSearchAsync(officer, "pineapple")).ShouldBeProblem(HttpStatusCode.Forbidden, "search-compliance");

        await (await org.Owner.DeleteAsync($"/api/v1/conversations/{secret.Id}/members/{bob.Id}")).ShouldBe(HttpStatusCode.NoContent);
        Assert.Equal(["pineapple for lunch"], await FoundAsync(bob, "pineapple"));
        await (await PostSearchAsync(bob, "pineapple", conversationId: secret.Id)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await PostSearchAsync(bob, "in:#board")).ShouldBeProblem(HttpStatusCode.BadRequest, "search-conversation-unknown");
        await (await PostSearchAsync(bob, "in:#no-such-channel")).ShouldBeProblem(HttpStatusCode.BadRequest, "search-conversation-unknown");
    }

    [Fact]
    public async Task Filters_narrow_by_sender_place_file_mention_and_day()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var sales = await org.Owner.CreateChannelAsync("sales", "public", bob);
        var support = await org.Owner.CreateChannelAsync("support", "public", bob);
        await org.Owner.SendAsync(sales.Id, "invoice from the owner");
        await bob.SendAsync(sales.Id, "invoice from bob");
        await bob.SendAsync(support.Id, $"invoice question for @{org.Owner.Handle}");
        var file = await org.Owner.UploadOkAsync(sales.Id, "figures"u8.ToArray(), "Quarterly-Budget.xlsx", "application/octet-stream");
        await (await org.Owner.SendWithFilesAsync(sales.Id, "see attached", file.Id)).ShouldBe(HttpStatusCode.Created);

        Assert.Equal(["invoice question for @" + org.Owner.Handle, "invoice from bob"], await FoundAsync(org.Owner, $"invoice from:@{bob.Handle}", sort: "recent"));
        Assert.Equal(["invoice from bob", "invoice from the owner"], await FoundAsync(org.Owner, "invoice in:#SALES", sort: "recent"));
        Assert.Equal(["see attached"], await FoundAsync(org.Owner, "has:file"));
        Assert.Equal(["see attached"], await FoundAsync(org.Owner, "budget"));                  // file names are searched too
        Assert.Equal(["invoice question for @" + org.Owner.Handle], await FoundAsync(org.Owner, "mentions:me"));
        Assert.Equal(3, (await FoundAsync(org.Owner, "invoice", conversationId: sales.Id)).Length + 1);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3, (await FoundAsync(org.Owner, $"invoice on:{today}")).Length);
        Assert.Equal(3, (await FoundAsync(org.Owner, $"invoice after:{yesterday}")).Length);
        Assert.Empty(await FoundAsync(org.Owner, $"invoice before:{today}"));
        // Eleven hours behind UTC, today's messages fell on the local today or yesterday.
        Assert.Equal(3, (await FoundAsync(org.Owner, $"invoice on:{today}", timeZone: "Pacific/Pago_Pago")).Length
            + (await FoundAsync(org.Owner, $"invoice on:{yesterday}", timeZone: "Pacific/Pago_Pago")).Length);

        // in:@person is the direct conversation with that person.
        var direct = await org.Owner.OpenDirectAsync(bob);
        await bob.SendAsync(direct.Id, "invoice between the two of us");
        Assert.Equal(["invoice between the two of us"], await FoundAsync(org.Owner, $"invoice in:@{bob.Handle}"));
        Assert.Equal(["invoice between the two of us"], await FoundAsync(bob, $"in:@{org.Owner.Handle}"));
        var carol = await org.MemberAsync("Carol");
        await (await PostSearchAsync(org.Owner, $"invoice in:@{carol.Handle}")).ShouldBeProblem(HttpStatusCode.BadRequest, "search-conversation-unknown");
        await (await PostSearchAsync(org.Owner, "invoice in:@nobody-at-all")).ShouldBeProblem(HttpStatusCode.BadRequest, "search-person-unknown");
        // A guest cannot learn by searching that someone they share nothing with exists.
        var guest = await org.MemberAsync("Gus", "guest");
        await (await PostSearchAsync(guest, $"from:@{carol.Handle}")).ShouldBeProblem(HttpStatusCode.BadRequest, "search-person-unknown");
    }

    [Fact]
    public async Task Relevance_puts_more_matches_first_and_the_text_before_file_names()
    {
        var org = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("kitchen");
        await org.Owner.SendAsync(channel.Id, "kiwi kiwi kiwi on the menu");
        var file = await org.Owner.UploadOkAsync(channel.Id, "prices"u8.ToArray(), "kiwi.xlsx", "application/octet-stream");
        await (await org.Owner.SendWithFilesAsync(channel.Id, "see attached", file.Id)).ShouldBe(HttpStatusCode.Created);
        await org.Owner.SendAsync(channel.Id, "we ordered kiwi for the team");

        Assert.Equal(["kiwi kiwi kiwi on the menu", "we ordered kiwi for the team", "see attached"], await FoundAsync(org.Owner, "kiwi"));
        Assert.Equal(["we ordered kiwi for the team", "see attached", "kiwi kiwi kiwi on the menu"], await FoundAsync(org.Owner, "kiwi", sort: "recent"));
    }

    [Fact]
    public async Task Results_come_in_pages()
    {
        var org = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("busy");
        for (var i = 1; i <= SearchMessages.PageSize + 5; i++)
            await org.Owner.SendAsync(channel.Id, $"status update {i}");

        var first = await SearchAsync(org.Owner, "update", sort: "recent");
        Assert.Equal(SearchMessages.PageSize, first.Hits.Count);
        Assert.True(first.HasMore);
        Assert.Equal($"status update {SearchMessages.PageSize + 5}", first.Hits[0].Message.Content);
        var second = await SearchAsync(org.Owner, "update", sort: "recent", page: 2);
        Assert.Equal(5, second.Hits.Count);
        Assert.False(second.HasMore);
        Assert.Empty(first.Hits.Select(h => h.Message.Id).Intersect(second.Hits.Select(h => h.Message.Id)));
        Assert.Equal(SearchMessages.PageSize + 5, (await SearchAsync(org.Owner, "update")).Hits.Count + (await SearchAsync(org.Owner, "update", page: 2)).Hits.Count);
    }

    /// <summary>Whatever is typed, the answer is results or a 400 with a stable code: never a 500, never an engine's syntax error.</summary>
    [Theory]
    [InlineData("\"")]
    [InlineData("AND OR NOT")]
    [InlineData("a* ^b (c) {d} [e] -f +g ~h :i NEAR(j k)")]
    [InlineData("col:value \"\" '' \\ ; -- /* */")]
    [InlineData("the of a")]
    [InlineData("ééé 👍🏽 ﷽ \u0000 \u200b")]
    [InlineData("from: in: has: before: after:")]
    [InlineData("has:link mentions:you")]
    public async Task Any_text_gives_results_or_a_clear_problem(string q)
    {
        var org = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("anything");
        await org.Owner.SendAsync(channel.Id, "a perfectly ordinary message");
        var response = await PostSearchAsync(org.Owner, q);
        if (response.StatusCode != HttpStatusCode.OK)
            await response.ShouldBeProblem(HttpStatusCode.BadRequest, q.Contains('\0') ? "text-invalid" : "search-empty");
    }

    [Theory]
    [InlineData("before:2026-13-01", null, null, null, "search-date-invalid")]
    [InlineData("on:yesterday", null, null, null, "search-date-invalid")]
    [InlineData("", null, null, null, "search-empty")]
    [InlineData("from:@nobody-at-all", null, null, null, "search-person-unknown")]
    [InlineData("word", "best", null, null, "search-sort-invalid")]
    [InlineData("word", null, 0, null, "search-page-invalid")]
    [InlineData("word", null, 51, null, "search-page-invalid")]
    [InlineData("word", null, null, "Mars/Olympus", "time-zone-invalid")]
    public async Task Wrong_parameters_are_refused_with_what_to_do(string q, string? sort, int? page, string? timeZone, string code)
    {
        var org = await app.OrganizationAsync();
        await (await PostSearchAsync(org.Owner, q, sort, page, timeZone: timeZone)).ShouldBeProblem(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task A_ten_thousand_character_query_is_refused()
    {
        var org = await app.OrganizationAsync();
        var q = string.Join(' ', Enumerable.Repeat("word", 2000));
        await (await PostSearchAsync(org.Owner, q)).ShouldBeProblem(HttpStatusCode.BadRequest, "search-query-too-long");
    }

    [Fact]
    public async Task The_index_rebuilds_from_the_messages_and_their_files()
    {
        var org = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("rebuilt");
        await org.Owner.SendAsync(channel.Id, "kumquat harvest");
        var file = await org.Owner.UploadOkAsync(channel.Id, "x"u8.ToArray(), "orchard-map.pdf", "application/pdf");
        await (await org.Owner.SendWithFilesAsync(channel.Id, "the map", file.Id)).ShouldBe(HttpStatusCode.Created);

        await using (var scope = app.Services.CreateAsyncScope())
            Assert.True(await SearchIndex.RebuildAsync(scope.ServiceProvider.GetRequiredService<ParleyDb>(), TestContext.Current.CancellationToken) >= 2);

        Assert.Equal(["kumquat harvest"], await FoundAsync(org.Owner, "kumquat"));
        Assert.Equal(["the map"], await FoundAsync(org.Owner, "orchard"));
    }
}

public sealed class SqliteSearchTests(SqliteApp app) : SearchTests(app);

public sealed class PostgresSearchTests : SearchTests
{
    public PostgresSearchTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
