using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Search;

/// <param name="Snippet">HTML: the message's text around what matched, escaped, each match in a <c>mark</c>.</param>
public sealed record SearchHitDto(MessageDto Message, string Snippet, string ConversationKind, string? ConversationName);

/// <param name="HasMore">Another page follows (<c>page</c> + 1).</param>
public sealed record SearchResultsDto(IReadOnlyList<SearchHitDto> Hits, int Page, bool HasMore);

/// <summary>One row of the index's answer: a message that matched, and how well (lower is better, on both engines).</summary>
public sealed record SearchMatch(long Id, double Score);

public static class SearchMessages
{
    public const int PageSize = 20, MaxPage = 50;

    /// <summary>Relevance ranks only the newest matches this many: a word found in a million messages still answers quickly.</summary>
    public const int MaxRanked = 2000;

    /// <summary>
    /// Searches the messages the caller may read now (conversations they are a member of; public channels unless they
    /// are a guest), newest first or by relevance. Deleted messages are not found; erased text is no longer in the index.
    /// </summary>
    /// <param name="Q">Words, "quoted phrases" and filters, at most <see cref="SearchQuery.MaxLength"/> characters.</param>
    /// <param name="ConversationId">Search this conversation only.</param>
    /// <param name="Sort"><c>relevance</c> (the default) or <c>recent</c>.</param>
    /// <param name="Page">1, 2, … up to <see cref="MaxPage"/>.</param>
    /// <param name="TimeZone">The IANA time zone the days of before:, after: and on: are in; UTC when absent.</param>
    public sealed record Request(string? Q, long? ConversationId, string? Sort, int? Page, string? TimeZone);

    public static async Task<Results<Ok<SearchResultsDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        var (q, conversationId, sort, page, tz) = request;
        if (!me.Can(Capability.TakePartInConversations))
            return Problems.Forbidden("search-compliance", "A compliance officer searches the record, in the compliance console, not conversations.");
        var text = q ?? "";
        if (text.Length > SearchQuery.MaxLength)
            return Problems.BadRequest("search-query-too-long", $"A search is at most {SearchQuery.MaxLength} characters. Shorten it.");
        if (sort is not (null or "relevance" or "recent"))
            return Problems.BadRequest("search-sort-invalid", "sort is relevance or recent.");
        var number = page ?? 1;
        if (number is < 1 or > MaxPage)
            return Problems.BadRequest("search-page-invalid", $"page is 1 to {MaxPage}. Narrow the search to see older results.");
        TimeZoneInfo zone;
        try
        {
            zone = string.IsNullOrEmpty(tz) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(tz);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return Problems.BadRequest("time-zone-invalid", "timeZone is an IANA time zone such as Europe/Paris.");
        }

        var query = SearchQuery.Parse(text);
        if (query.Error is { } error)
            return Problems.BadRequest(error.Code, error.Title);
        if (!query.HasText && query.From.Count == 0 && query.In.Count == 0 && query.InDirect.Count == 0 && !query.HasFile && !query.MentionsMe
            && query.Before is null && query.After is null && conversationId is null)
            return Problems.BadRequest("search-empty", "Type words to find, or a filter such as from:@name or in:#channel.");

        var messages = Readable(db, me);
        long? single = null;                          // the one conversation searched, when the filters come to one
        if (conversationId is { } only)
        {
            if (await db.ConversationAccessAsync(me, only, ct) is null)
                return Problems.NotFound("conversation");
            messages = messages.Where(m => m.ConversationId == only);
            single = only;
        }
        foreach (var name in query.From)
        {
            var people = await PeopleCalledAsync(db, me, name, ct);
            if (people.Count == 0)
                return Problems.BadRequest("search-person-unknown", $"Nobody here is called \"{name}\": use their @handle, as in from:@{name}.");
            messages = messages.Where(m => people.Contains(m.SenderId));
        }
        foreach (var name in query.InDirect)
        {
            var people = await PeopleCalledAsync(db, me, name, ct);
            if (people.Count == 0)
                return Problems.BadRequest("search-person-unknown", $"Nobody here is called \"{name}\": use their @handle, as in in:@{name}.");
            var keys = people.Select(p => Conversation.DirectKeyOf([me.Id, p])).ToList();
            var directs = await ReadableConversations(db, me).Where(c => c.DirectKey != null && keys.Contains(c.DirectKey))
                .Select(c => c.Id).ToListAsync(ct);
            if (directs.Count == 0)
                return Problems.BadRequest("search-conversation-unknown", $"You have no direct conversation with \"{name}\".");
            messages = messages.Where(m => directs.Contains(m.ConversationId));
            single = directs.Count == 1 && (single is null || single == directs[0]) ? directs[0] : -1;
        }
        foreach (var name in query.In)
        {
            var lower = name.ToLowerInvariant();
            var readable = ReadableConversations(db, me);
            var named = await readable.Where(c => c.Name != null && c.Name.ToLower() == lower).Select(c => c.Id).ToListAsync(ct);
            if (named.Count == 0)
                return Problems.BadRequest("search-conversation-unknown", $"You have no channel called \"{name}\": write in:#name with a channel's name.");
            if (named.Count == 1)
            {
                var one = named[0];
                messages = messages.Where(m => m.ConversationId == one);
                single = single is null || single == one ? one : -1;
            }
            else
                messages = messages.Where(m => named.Contains(m.ConversationId));
        }
        if (query.HasFile)
            messages = messages.Where(m => db.Files.Any(f => f.MessageId == m.Id && f.ErasedAt == null));
        if (query.MentionsMe)
            messages = messages.Where(m => db.Mentions.Any(x => x.MessageId == m.Id && x.UserId == me.Id));
        if (query.After is { } after)
        {
            var from = StartOf(after.AddDays(1), zone);
            messages = messages.Where(m => m.CreatedAt >= from);
        }
        if (query.Before is { } before)
        {
            var until = StartOf(before, zone);
            messages = messages.Where(m => m.CreatedAt < until);
        }

        var skip = (number - 1) * PageSize;
        List<long> ids;
        if (!query.HasText)
        {
            // Newest first. Within one conversation its sequence says the same, and its index walks straight to the newest.
            var newest = single is not null ? messages.OrderByDescending(m => m.Seq) : messages.OrderByDescending(m => m.Id);
            ids = await newest.Skip(skip).Take(PageSize + 1).Select(m => m.Id).ToListAsync(ct);
        }
        else
        {
            var matches = from match in SearchIndex.Matches(db, query)
                          join m in messages on match.Id equals m.Id
                          select match;
            ids = sort == "recent"
                ? await matches.OrderByDescending(m => m.Id).Skip(skip).Take(PageSize + 1).Select(m => m.Id).ToListAsync(ct)
                : await matches.OrderByDescending(m => m.Id).Take(MaxRanked)
                    .OrderBy(m => m.Score).ThenByDescending(m => m.Id).Skip(skip).Take(PageSize + 1).Select(m => m.Id).ToListAsync(ct);
        }
        var hasMore = ids.Count > PageSize;
        if (hasMore)
            ids = ids[..PageSize];

        var found = await db.Messages.AsNoTracking().Where(m => ids.Contains(m.Id)).ToListAsync(ct);
        var byId = found.ToDictionary(m => m.Id);
        var ordered = ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
        var dtos = await db.ToDtosAsync(ordered, ct);
        var snippets = query.HasText ? await SearchIndex.SnippetsAsync(db, query, ids, ct) : [];
        var conversationIds = ordered.Select(m => m.ConversationId).Distinct().ToList();
        var conversations = await db.Conversations.AsNoTracking().Where(c => conversationIds.Contains(c.Id))
            .Select(c => new { c.Id, c.Kind, c.Name }).ToDictionaryAsync(c => c.Id, ct);
        var hits = dtos.Select(m => new SearchHitDto(m,
            snippets.TryGetValue(m.Id, out var snippet) ? snippet : Snippets.Plain(m.Content ?? ""),
            ConversationDtos.KindName(conversations[m.ConversationId].Kind), conversations[m.ConversationId].Name)).ToList();
        return TypedResults.Ok(new SearchResultsDto(hits, number, hasMore));
    }

    /// <summary>Conversations the caller may read: the rule of <see cref="ConversationAccess.CanRead"/>, as a query.</summary>
    private static IQueryable<Conversation> ReadableConversations(ParleyDb db, CurrentUser me) =>
        db.Conversations.Where(c => c.OrganizationId == me.OrganizationId
            && (db.ConversationMembers.Any(x => x.ConversationId == c.Id && x.UserId == me.Id)
                || (me.Can(Capability.BrowsePublicChannels) && c.Kind == ConversationKind.PublicChannel)));

    /// <summary>
    /// The people a from: or in:@ names, by handle, email or display name, among those the caller may see (a guest
    /// cannot learn, by searching, that someone they share nothing with exists).
    /// </summary>
    private static Task<List<Guid>> PeopleCalledAsync(ParleyDb db, CurrentUser me, string name, CancellationToken ct)
    {
        var lower = name.ToLowerInvariant();
        return db.VisibleUsers(me).Where(u => (u.Handle == lower || u.NormalizedEmail == lower || u.DisplayName.ToLower() == lower))
            .Select(u => u.Id).ToListAsync(ct);
    }

    private static IQueryable<Message> Readable(ParleyDb db, CurrentUser me)
    {
        var conversations = ReadableConversations(db, me).Select(c => c.Id);
        return db.Messages.AsNoTracking().Where(m => m.OrganizationId == me.OrganizationId && m.DeletedAt == null
            && conversations.Contains(m.ConversationId));
    }

    private static DateTimeOffset StartOf(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}

/// <summary>What a hit shows: escaped text, matches marked.</summary>
public static class Snippets
{
    /// <summary>Marks the index puts around a match, from the Private Use Area, which never reach the client.</summary>
    public const char Start = '\uE000', End = '\uE001';
    public const int PlainLength = 200;

    public static string Html(string marked) =>
        Escape(marked)
            .Replace(Start.ToString(), "<mark>", StringComparison.Ordinal)
            .Replace(End.ToString(), "</mark>", StringComparison.Ordinal);

    public static string Plain(string text) =>
        Escape(text.Length <= PlainLength ? text : string.Concat(text.AsSpan(0, PlainLength), "…"));

    /// <summary>The five characters that matter in HTML text and attributes; the rest stays as written (é, not &amp;#233;).</summary>
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);
}
