using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;

namespace Parley.IntegrationTests.Messages;

/// <summary>Hot paths cost the same number of queries whatever the size of the conversation.</summary>
public abstract class QueryBudgetTests(ParleyApp app)
{
    private const int SendBudget = 11, PageBudget = 5;

    [Fact]
    public async Task Sending_to_a_large_channel_costs_no_more_queries_than_to_a_small_one()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var small = await alice.CreateChannelAsync("small", "public", bob);
        var large = await alice.CreateChannelAsync("large", "public", bob);
        await AddMembersAsync(org, large.Id, 60);

        var inSmall = await CountAsync(alice, $"/api/v1/conversations/{small.Id}/messages", new { content = "hi @bob", clientMessageId = Guid.NewGuid() });
        var inLarge = await CountAsync(alice, $"/api/v1/conversations/{large.Id}/messages", new { content = "hi @bob", clientMessageId = Guid.NewGuid() });

        Assert.Equal(inSmall, inLarge);
        Assert.InRange(inLarge, 1, SendBudget);
        Assert.Equal(62, (await alice.GetOkAsync<List<MemberDto>>($"/api/v1/conversations/{large.Id}/members")).Count);
    }

    [Fact]
    public async Task A_page_of_history_costs_the_same_queries_for_five_messages_as_for_fifty()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var few = await alice.CreateChannelAsync("few");
        var many = await alice.CreateChannelAsync("many");
        for (var i = 0; i < 5; i++)
            await alice.SendAsync(few.Id, $"few {i}");
        for (var i = 0; i < 50; i++)
        {
            var sent = await alice.SendAsync(many.Id, $"many {i} @{alice.Handle}");
            await (await alice.PutAsync($"/api/v1/conversations/{many.Id}/messages/{sent.Id}/reactions/ok")).ShouldBe(HttpStatusCode.OK);
        }

        var fewQueries = await CountAsync(alice, $"/api/v1/conversations/{few.Id}/messages?limit=50", null);
        var manyQueries = await CountAsync(alice, $"/api/v1/conversations/{many.Id}/messages?limit=50", null);

        Assert.Equal(fewQueries, manyQueries);
        Assert.InRange(manyQueries, 1, PageBudget);
    }

    private async Task AddMembersAsync(Org org, long conversationId, int count) =>
        await app.WithDbAsync(async db =>
        {
            var conversation = await db.Conversations.SingleAsync(c => c.Id == conversationId);
            for (var i = 0; i < count; i++)
            {
                var user = new User(org.Id, $"member{i}@{org.Domain}", $"Member {i}", $"member{i}", OrgRole.Member, "no-password", DateTimeOffset.UtcNow);
                db.Users.Add(user);
                db.ConversationMembers.Add(new ConversationMember(conversation, user.Id, MemberRole.Member, DateTimeOffset.UtcNow));
            }
            return await db.SaveChangesAsync();
        });

    private static async Task<int> CountAsync(Actor actor, string path, object? body)
    {
        var key = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path);
        request.Headers.Add(QueryCounter.Header, key);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        using var response = await actor.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return QueryCounter.For(key);
    }
}

public sealed class SqliteQueryBudgetTests(SqliteApp app) : QueryBudgetTests(app);

public sealed class PostgresQueryBudgetTests : QueryBudgetTests
{
    public PostgresQueryBudgetTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
