using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Organizations;

namespace Parley.IntegrationTests.Profiles;

public abstract class DefaultChannelTests(ParleyApp app)
{
    [Fact]
    public async Task New_people_join_the_default_channels_and_those_already_here_do_not()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var general = await org.Owner.CreateChannelAsync("general");
        var random = await org.Owner.CreateChannelAsync("random");
        await org.Owner.CreateChannelAsync("sales");

        var set = await (await org.Owner.PutAsync("/api/v1/organization/default-channels", new { conversationIds = new[] { random.Id, general.Id } }))
            .ReadAsync<List<DefaultChannelDto>>(HttpStatusCode.OK);
        var carol = await org.MemberAsync("Carol");
        var gus = await org.MemberAsync("Gus", "guest");

        Assert.Equal(["general", "random"], set.Select(c => c.Name));
        Assert.Equal(["general", "random"], (await carol.ConversationsAsync()).Select(c => c.Name).Order());
        Assert.Empty(await gus.ConversationsAsync());
        Assert.DoesNotContain(await bob.ConversationsAsync(), c => c.Id == general.Id);
        Assert.Equal(set, await bob.GetOkAsync<List<DefaultChannelDto>>("/api/v1/organization/default-channels"));
        var audited = Assert.Single(await org.Owner.AuditAsync("OrganizationSettingsChanged"));
        Assert.Equal("default-channels", audited.Data?.GetProperty("setting").GetString());
    }

    [Fact]
    public async Task Only_admins_set_default_channels_and_only_public_ones_of_their_organization()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var general = await org.Owner.CreateChannelAsync("general");
        var secret = await org.Owner.CreateChannelAsync("secret", "private");
        var elsewhere = await (await app.OrganizationAsync()).Owner.CreateChannelAsync("general");

        var byMember = await bob.PutAsync("/api/v1/organization/default-channels", new { conversationIds = new[] { general.Id } });
        var privateOne = await org.Owner.PutAsync("/api/v1/organization/default-channels", new { conversationIds = new[] { secret.Id } });
        var otherOrg = await org.Owner.PutAsync("/api/v1/organization/default-channels", new { conversationIds = new[] { elsewhere.Id } });

        await byMember.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await privateOne.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "default-channel-invalid");
        await otherOrg.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Empty(await org.Owner.GetOkAsync<List<DefaultChannelDto>>("/api/v1/organization/default-channels"));
    }
}

public sealed class SqliteDefaultChannelTests(SqliteApp app) : DefaultChannelTests(app);

public sealed class PostgresDefaultChannelTests : DefaultChannelTests
{
    public PostgresDefaultChannelTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
