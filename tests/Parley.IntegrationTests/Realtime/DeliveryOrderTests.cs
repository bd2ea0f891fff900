using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Realtime;

public abstract class DeliveryOrderTests(ParleyApp app)
{
    private const int PerSender = 8;

    [Fact]
    public async Task A_fresh_server_under_load_delivers_each_conversation_in_record_order()
    {
        await using var fresh = await app.StartAnotherAsync();
        var org = await fresh.OrganizationAsync();
        var people = new List<Actor> { org.Owner };
        foreach (var name in new[] { "Bob", "Carol", "Dave", "Erin", "Frank" })
            people.Add(await org.MemberAsync(name));
        var group = await people[0].OpenDirectAsync([.. people.Skip(1).Take(4)]);
        var pairs = new List<(ConversationDto Conversation, Actor[] Members)>();
        for (var i = 0; i < people.Count; i += 2)
            pairs.Add((await people[i].OpenDirectAsync(people[i + 1]), [people[i], people[i + 1]]));
        var groupMembers = people.Take(5).ToArray();
        var lives = new Dictionary<Actor, LiveClient>();
        foreach (var person in people)
            lives[person] = await fresh.ConnectAsync(person);
        try
        {
            // Everyone at once: the group and every one-to-one conversation get concurrent senders from the start.
            var sends = groupMembers.SelectMany(p => Enumerable.Range(0, PerSender).Select(i => p.SendAsync(group.Id, $"group {p.Name} {i}")))
                .Concat(pairs.SelectMany(pair => pair.Members.SelectMany(p =>
                    Enumerable.Range(0, PerSender).Select(i => p.SendAsync(pair.Conversation.Id, $"direct {p.Name} {i}")))));
            await Task.WhenAll(sends);

            foreach (var person in people)
            {
                var expected = new Dictionary<long, int> { [pairs.Single(p => p.Members.Contains(person)).Conversation.Id] = 2 * PerSender };
                if (groupMembers.Contains(person))
                    expected[group.Id] = groupMembers.Length * PerSender;
                var arrived = new List<MessageDto>();
                for (var i = 0; i < expected.Values.Sum(); i++)
                    arrived.Add(await lives[person].NextAsync<MessageDto>(Created));

                foreach (var (conversationId, count) in expected)
                {
                    var positions = arrived.Where(m => m.ConversationId == conversationId).Select(m => m.Position).ToList();
                    Assert.Equal(count, positions.Count);
                    // As they arrived, not sorted: each conversation's events in strictly increasing record order.
                    Assert.True(positions.Zip(positions.Skip(1)).All(p => p.First < p.Second),
                        $"{person} received conversation {conversationId} in the order {string.Join(", ", positions)}.");
                }
            }
        }
        finally
        {
            foreach (var live in lives.Values)
                await live.DisposeAsync();
        }
    }
}

public sealed class SqliteDeliveryOrderTests(SqliteApp app) : DeliveryOrderTests(app);

public sealed class PostgresDeliveryOrderTests : DeliveryOrderTests
{
    public PostgresDeliveryOrderTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
