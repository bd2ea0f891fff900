using Parley.IntegrationTests.Infrastructure;

namespace Parley.IntegrationTests.Conversations;

public abstract class ConversationListTests(ParleyApp app)
{
    [Fact]
    public async Task The_list_puts_the_conversation_with_the_latest_message_first_and_new_empty_ones_by_their_creation()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var busy = await alice.CreateChannelAsync("busy", "public");
        var quiet = await alice.CreateChannelAsync("quiet", "private");
        var direct = await alice.OpenDirectAsync(bob);
        for (var n = 1; n <= 4; n++)
            await alice.SendAsync(busy.Id, $"busy {n}");
        await bob.SendAsync(direct.Id, "just now");
        var empty = await alice.CreateChannelAsync("empty", "public");

        var list = await alice.ConversationsAsync();

        Assert.Equal([empty.Id, direct.Id, busy.Id, quiet.Id], list.Select(c => c.Id));
    }
}

public sealed class SqliteConversationListTests(SqliteApp app) : ConversationListTests(app);

public sealed class PostgresConversationListTests : ConversationListTests
{
    public PostgresConversationListTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
