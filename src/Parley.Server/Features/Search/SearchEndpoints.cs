using Parley.Server.Platform;

namespace Parley.Server.Features.Search;

public static class SearchEndpoints
{
    public static void MapSearchEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/search/messages", SearchMessages.HandleAsync).WithTags("Search")
            .WithSummary("Search messages")
            .WithDescription("Full text over the messages and file names you may read now, in English and French, accents ignored. " +
                "`q` takes words, \"quoted phrases\" and the filters from:@handle, in:#channel, has:file, mentions:me, before:, after: " +
                "and on: (a day, yyyy-MM-dd, in `timeZone`). `sort`: relevance (default) or recent; `page`: 1, 2, … " +
                "`conversationId` limits the search to one conversation.")
            .WithProblems(400, 403, 404);
    }
}
