using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Conversations;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Conversations;

public abstract class ConversationInputTests(ParleyApp app)
{
    [Fact]
    public async Task An_unknown_conversation_id_is_404_for_every_operation()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        const string unknown = "/api/v1/conversations/987654321";

        var responses = new[]
        {
            await alice.GetAsync(unknown),
            await alice.PatchAsync(unknown, new { name = "x" }),
            await alice.PostAsync($"{unknown}/archive"),
            await alice.PostAsync($"{unknown}/join"),
            await alice.PostAsync($"{unknown}/leave"),
            await alice.PostAsync($"{unknown}/read", new { seq = 1 }),
            await alice.GetAsync($"{unknown}/members"),
            await alice.PostAsync($"{unknown}/members", new { userId = alice.Id }),
        };

        foreach (var response in responses)
            await response.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Malformed_json_is_a_400_with_a_stable_code_and_changes_nothing()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("general", "public", bob);
        await using var bobLive = await app.ConnectAsync(bob);

        var create = await alice.SendRawJsonAsync(HttpMethod.Post, "/api/v1/conversations", "{\"name\": \"half");
        var rename = await alice.SendRawJsonAsync(HttpMethod.Patch, $"/api/v1/conversations/{channel.Id}", "{name: 'unquoted'}");
        var read = await bob.SendRawJsonAsync(HttpMethod.Post, $"/api/v1/conversations/{channel.Id}/read", "{\"seq\": \"lots\"}");
        var direct = await alice.SendRawJsonAsync(HttpMethod.Post, "/api/v1/conversations/direct", "[1, 2");

        await create.ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        await rename.ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        await read.ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        await direct.ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json");
        Assert.Equal("general", (await alice.ConversationAsync(channel.Id)).Name);
        Assert.Single(await alice.ConversationsAsync());
        await bobLive.AssertNoneAsync<ConversationDto>(nameof(IParleyClient.ConversationChanged));
    }

    [Fact]
    public async Task A_non_numeric_id_in_the_path_is_404()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;

        var read = await alice.GetAsync("/api/v1/conversations/general");
        var join = await alice.PostAsync("/api/v1/conversations/1e3/join");
        var members = await alice.GetAsync("/api/v1/conversations/12abc/members");

        await read.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await join.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await members.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }
}

public sealed class SqliteConversationInputTests(SqliteApp app) : ConversationInputTests(app);

public sealed class PostgresConversationInputTests : ConversationInputTests
{
    public PostgresConversationInputTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
