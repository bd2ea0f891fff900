using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Governance;
using Parley.Server.Features.Messages;

namespace Parley.IntegrationTests.Governance;

public abstract class PolicyTests(GovernanceApp app)
{
    private static object Policies(string channelCreation = "everyone", string groupCreation = "everyone", bool membersMayMessageGuests = true,
        int? editWindowMinutes = null, int? deleteWindowMinutes = null, string[]? allowedFileTypes = null, long? maxFileBytes = null,
        int? sessionLifetimeMinutes = null, int? idleTimeoutMinutes = null, bool newPeopleJoinDefaultChannels = true) =>
        new
        {
            channelCreation, groupCreation, membersMayMessageGuests, editWindowMinutes, deleteWindowMinutes, allowedFileTypes, maxFileBytes,
            sessionLifetimeMinutes, idleTimeoutMinutes, newPeopleJoinDefaultChannels,
        };

    private static async Task<PoliciesDto> SetAsync(Actor admin, object policies) =>
        await (await admin.PutAsync("/api/v1/organization/policies", policies)).ReadAsync<PoliciesDto>(HttpStatusCode.OK);

    [Fact]
    public async Task Policies_start_open_and_only_admins_change_them_with_an_audit_entry()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var initial = await bob.GetOkAsync<PoliciesDto>("/api/v1/organization/policies");
        var byBob = await bob.PutAsync("/api/v1/organization/policies", Policies(channelCreation: "admins"));
        var set = await SetAsync(org.Owner, Policies(channelCreation: "admins", allowedFileTypes: [".PDF", "png"], editWindowMinutes: 15));
        var bad = await org.Owner.PutAsync("/api/v1/organization/policies", Policies(channelCreation: "nobody"));
        var badTypes = await org.Owner.PutAsync("/api/v1/organization/policies", Policies(allowedFileTypes: ["p df"]));

        Assert.Equal(("everyone", true, null), (initial.ChannelCreation, initial.NewPeopleJoinDefaultChannels, initial.EditWindowMinutes));
        await byBob.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        Assert.Equal(("admins", 15), (set.ChannelCreation, set.EditWindowMinutes));
        Assert.Equal(["pdf", "png"], set.AllowedFileTypes!);
        await bad.ShouldBeProblem(HttpStatusCode.BadRequest, "policy-audience-invalid");
        await badTypes.ShouldBeProblem(HttpStatusCode.BadRequest, "file-types-invalid");
        var change = Assert.Single(await org.Owner.AuditAsync("OrganizationPoliciesChanged"));
        Assert.Equal("everyone", change.Data?.GetProperty("before").GetProperty("channelCreation").GetString());
        Assert.Equal("admins", change.Data?.GetProperty("after").GetProperty("channelCreation").GetString());
    }

    [Fact]
    public async Task Channel_and_group_creation_can_be_kept_for_admins()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol, erin) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Erin", "admin"));
        await SetAsync(org.Owner, Policies(channelCreation: "admins", groupCreation: "admins"));

        var channel = await bob.PostAsync("/api/v1/conversations", new { name = "bobs", visibility = "public" });
        var group = await bob.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { carol.Id, erin.Id } });
        var direct = await bob.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { carol.Id } });
        var byAdmin = await erin.PostAsync("/api/v1/conversations", new { name = "erins", visibility = "public" });

        await channel.ShouldBeProblem(HttpStatusCode.Forbidden, "channel-creation-restricted");
        await group.ShouldBeProblem(HttpStatusCode.Forbidden, "group-creation-restricted");
        await direct.ShouldBe(HttpStatusCode.Created);
        await byAdmin.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Members_may_be_kept_from_starting_conversations_with_guests()
    {
        var org = await app.OrganizationAsync();
        var (bob, gus) = (await org.MemberAsync("Bob"), await org.MemberAsync("Gus", "guest"));
        await SetAsync(org.Owner, Policies(membersMayMessageGuests: false));

        var byBob = await bob.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { gus.Id } });
        var byOwner = await org.Owner.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { gus.Id } });

        await byBob.ShouldBeProblem(HttpStatusCode.Forbidden, "guest-conversations-restricted");
        await byOwner.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Edits_and_deletes_end_with_their_windows_and_the_record_keeps_everything()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        await SetAsync(org.Owner, Policies(editWindowMinutes: 10, deleteWindowMinutes: 30));
        var first = await bob.SendAsync(channel.Id, "first");
        var second = await bob.SendAsync(channel.Id, "second");

        await bob.EditAsync(channel.Id, first.Id, "first, edited");
        app.Clock.Advance(TimeSpan.FromMinutes(11));
        var lateEdit = await bob.PatchAsync(MessageHelpers.MessageAt(channel.Id, first.Id), new { content = "too late" });
        await bob.DeleteMessageAsync(channel.Id, second.Id);
        app.Clock.Advance(TimeSpan.FromMinutes(20));
        var lateDelete = await bob.DeleteAsync(MessageHelpers.MessageAt(channel.Id, first.Id));
        var byModerator = await org.Owner.DeleteAsync(MessageHelpers.MessageAt(channel.Id, first.Id));

        await lateEdit.ShouldBeProblem(HttpStatusCode.Forbidden, "edit-window-passed");
        await lateDelete.ShouldBeProblem(HttpStatusCode.Forbidden, "delete-window-passed");
        await byModerator.ShouldBe(HttpStatusCode.OK);
        var versions = await org.Owner.GetAsync($"{MessageHelpers.MessageAt(channel.Id, first.Id)}/versions");
        var history = await versions.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        await versions.ShouldBe(HttpStatusCode.OK);
        Assert.Contains("first, edited", history);
        Assert.Contains("first", history.Replace("first, edited", ""));
    }

    [Fact]
    public async Task Uploads_keep_to_the_allowed_types_and_the_size_limit()
    {
        var org = await app.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("files", "public");
        await SetAsync(org.Owner, Policies(allowedFileTypes: ["pdf", "txt"], maxFileBytes: 1000));

        var allowed = await org.Owner.UploadAsync(channel.Id, new byte[100], "plan.txt");
        var wrongType = await org.Owner.UploadAsync(channel.Id, new byte[100], "tool.exe");
        var noType = await org.Owner.UploadAsync(channel.Id, new byte[100], "README");
        var tooLarge = await org.Owner.UploadAsync(channel.Id, new byte[5000], "big.pdf");

        await allowed.ShouldBe(HttpStatusCode.Created);
        await wrongType.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "file-type-not-allowed");
        await noType.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "file-type-not-allowed");
        await tooLarge.ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "file-too-large");
    }

    [Fact]
    public async Task Sessions_end_with_the_organizations_idle_timeout_and_lifetime()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        await SetAsync(org.Owner, Policies(idleTimeoutMinutes: 10, sessionLifetimeMinutes: 60));
        var carol = await org.MemberAsync("Carol");

        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
        for (var i = 0; i < 6; i++)
        {
            app.Clock.Advance(TimeSpan.FromMinutes(9));
            await (await carol.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.OK);
        }
        var idleBob = await bob.GetAsync("/api/v1/users/me");
        app.Clock.Advance(TimeSpan.FromMinutes(7));
        var oldCarol = await carol.GetAsync("/api/v1/users/me");

        await idleBob.ShouldBeProblem(HttpStatusCode.Unauthorized, "session-expired");
        await oldCarol.ShouldBeProblem(HttpStatusCode.Unauthorized, "session-expired");
    }

    [Fact]
    public async Task New_people_join_default_channels_only_when_the_policy_says_so()
    {
        var org = await app.OrganizationAsync();
        var general = await org.Owner.CreateChannelAsync("general", "public");
        await (await org.Owner.PutAsync("/api/v1/organization/default-channels", new { conversationIds = new[] { general.Id } })).ShouldBe(HttpStatusCode.OK);
        var bob = await org.MemberAsync("Bob");
        await SetAsync(org.Owner, Policies(newPeopleJoinDefaultChannels: false));
        var carol = await org.MemberAsync("Carol");

        Assert.Contains(await bob.ConversationsAsync(), c => c.Id == general.Id);
        Assert.DoesNotContain(await carol.ConversationsAsync(), c => c.Id == general.Id);
    }
}

public sealed class SqlitePolicyTests(SqliteGovernanceApp app) : PolicyTests(app), IClassFixture<SqliteGovernanceApp>;

public sealed class PostgresPolicyTests : PolicyTests, IClassFixture<PostgresGovernanceApp>
{
    public PostgresPolicyTests(PostgresGovernanceApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
