using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Organizations;

/// <summary>Another organization's things answer 404, exactly like things that do not exist, and never show their content.</summary>
public abstract class TenantIsolationTests(ParleyApp app)
{
    private const string ChannelName = "acquisition-plans", Secret = "the merger closes friday";

    [Fact]
    public async Task Another_organizations_user_gets_404_for_every_conversation_route()
    {
        var (a, b) = (await app.OrganizationAsync(), await app.OrganizationAsync());
        var channel = await a.Owner.CreateChannelAsync(ChannelName, "public");
        var message = await a.Owner.SendAsync(channel.Id, Secret);
        var outsider = b.Owner;
        var c = $"/api/v1/conversations/{channel.Id}";
        var m = $"{c}/messages/{message.Id}";

        HttpResponseMessage[] responses =
        [
            await outsider.GetAsync(c),
            await outsider.GetAsync($"{c}/messages"),
            await outsider.GetAsync($"{c}/members"),
            await outsider.GetAsync($"{c}/changes?after=0"),
            await outsider.GetAsync($"{m}/replies"),
            await outsider.GetAsync($"{m}/versions"),
            await outsider.PostAsync($"{c}/join"),
            await outsider.PostAsync($"{c}/read", new { seq = 1 }),
            await outsider.PostAsync($"{c}/messages", new { content = "hello from B", clientMessageId = Guid.NewGuid() }),
            await outsider.PutAsync($"{m}/reactions/:thumbsup:"),
            await outsider.PatchAsync(m, new { content = "edited by B" }),
            await outsider.DeleteAsync(m),
            await outsider.PatchAsync(c, new { name = "renamed-by-b" }),
            await outsider.PostAsync($"{c}/archive"),
            await outsider.PostAsync($"{c}/members", new { userId = outsider.Id }),
        ];

        foreach (var response in responses)
            await response.ShouldBeHiddenAsync(ChannelName, Secret);
        var page = await a.Owner.GetOkAsync<MessagePageDto>($"{c}/messages");
        var kept = Assert.Single(page.Messages);
        Assert.Equal((Secret, false, 0), (kept.Content, kept.Deleted, kept.Reactions.Count));
        var after = await a.Owner.ConversationAsync(channel.Id);
        Assert.Equal((ChannelName, false), (after.Name, after.Archived));
        Assert.DoesNotContain(await a.Owner.GetOkAsync<List<Parley.Server.Features.Conversations.MemberDto>>($"{c}/members"), x => x.UserId == outsider.Id);
    }

    [Fact]
    public async Task Another_organizations_message_is_not_reachable_through_an_own_conversation()
    {
        var (a, b) = (await app.OrganizationAsync(), await app.OrganizationAsync());
        var channel = await a.Owner.CreateChannelAsync(ChannelName, "public");
        var message = await a.Owner.SendAsync(channel.Id, Secret);
        var own = await b.Owner.CreateChannelAsync("general", "public");
        var m = $"/api/v1/conversations/{own.Id}/messages/{message.Id}";

        HttpResponseMessage[] responses =
        [
            await b.Owner.PatchAsync(m, new { content = "edited by B" }),
            await b.Owner.DeleteAsync(m),
            await b.Owner.PutAsync($"{m}/reactions/:thumbsup:"),
            await b.Owner.GetAsync($"{m}/versions"),
            await b.Owner.GetAsync($"{m}/replies"),
        ];

        foreach (var response in responses)
            await response.ShouldBeHiddenAsync(Secret);
        var kept = await a.Owner.GetOkAsync<MessagePageDto>($"/api/v1/conversations/{channel.Id}/messages");
        Assert.Equal((Secret, false), (kept.Messages.Single().Content, kept.Messages.Single().Deleted));
    }

    [Fact]
    public async Task Another_organizations_user_cannot_signal_typing_into_a_conversation()
    {
        var (a, b) = (await app.OrganizationAsync(), await app.OrganizationAsync());
        var bob = await a.MemberAsync("Bob");
        var channel = await a.Owner.CreateChannelAsync(ChannelName, "public", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var outsiderLive = await app.ConnectAsync(b.Owner);

        var refused = await Record.ExceptionAsync(() => outsiderLive.Hub.InvokeAsync("StartTyping", channel.Id, TestContext.Current.CancellationToken));
        await a.Owner.SendAsync(channel.Id, "after the attempt");
        await bobLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated));

        Assert.IsType<HubException>(refused);
        Assert.DoesNotContain(ChannelName, refused.Message);
        await bobLive.AssertNoneAsync<TypingDto>(nameof(IParleyClient.Typing));
        await outsiderLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
    }

    [Fact]
    public async Task Another_organizations_user_gets_404_for_a_file()
    {
        var (a, b) = (await app.OrganizationAsync(), await app.OrganizationAsync());
        var channel = await a.Owner.CreateChannelAsync(ChannelName, "public");
        var file = await UploadAsync(a.Owner, channel.Id, "plan.txt", Secret);
        await a.Owner.PostAsync($"/api/v1/conversations/{channel.Id}/messages",
            new { content = "see attached", clientMessageId = Guid.NewGuid(), attachmentIds = new[] { file.Id } });

        var byOutsider = await b.Owner.GetAsync($"/api/v1/files/{file.Id}");
        var intoTheirs = await b.Owner.Http.PostAsync($"/api/v1/conversations/{channel.Id}/files", FilePart("evil.txt", "dropped by B"), TestContext.Current.CancellationToken);
        var byMember = await a.Owner.GetAsync($"/api/v1/files/{file.Id}");

        await byOutsider.ShouldBeHiddenAsync(Secret, "plan.txt");
        await intoTheirs.ShouldBeHiddenAsync(ChannelName);
        await byMember.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(Secret, await byMember.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Empty(await b.Owner.AuditAsync("FileDownloaded"));
    }

    [Fact]
    public async Task Another_organizations_admin_gets_404_for_its_people()
    {
        var (a, b) = (await app.OrganizationAsync(), await app.OrganizationAsync());
        var bob = await a.MemberAsync("Bob");

        var role = await b.Owner.PutAsync($"/api/v1/users/{bob.Id}/role", new { role = "guest" });
        var deactivate = await b.Owner.PostAsync($"/api/v1/users/{bob.Id}/deactivate");
        var direct = await b.Owner.PostAsync("/api/v1/conversations/direct", new { userIds = new[] { bob.Id } });
        var channel = await b.Owner.PostAsync("/api/v1/conversations", new { name = "poach", visibility = "private", memberIds = new[] { bob.Id } });

        await role.ShouldBeHiddenAsync(bob.Email);
        await deactivate.ShouldBeHiddenAsync(bob.Email);
        await direct.ShouldBeProblem(HttpStatusCode.BadRequest, "member-unknown");
        await channel.ShouldBeProblem(HttpStatusCode.BadRequest, "member-unknown");
        var me = await bob.MeAsync();
        Assert.Equal("member", me.Role);
        Assert.Empty(await b.Owner.GetOkAsync<List<Parley.Server.Features.Conversations.ConversationDto>>("/api/v1/conversations"));
    }

    [Fact]
    public async Task People_lists_and_audit_logs_never_cross_organizations()
    {
        var (a, b) = (await app.OrganizationAsync(), await app.OrganizationAsync());
        var bob = await a.MemberAsync("Bob");
        var carol = await b.MemberAsync("Carol");
        await a.Owner.CreateChannelAsync(ChannelName, "private", bob);

        var seenByB = await b.Owner.UsersAsync();
        var seenByCarol = await carol.UsersAsync();
        var auditOfB = await b.Owner.AuditAsync();

        Assert.Equal(new[] { b.Owner.Id, carol.Id }.Order(), seenByB.Select(u => u.Id).Order());
        Assert.Equal(seenByB.Select(u => u.Id).Order(), seenByCarol.Select(u => u.Id).Order());
        Assert.DoesNotContain(auditOfB, e => e.ActorId == a.Owner.Id || e.ActorId == bob.Id || e.TargetId == bob.Id.ToString());
        Assert.NotEmpty(await a.Owner.AuditAsync("ConversationCreated"));
        Assert.Empty(await b.Owner.AuditAsync("ConversationCreated"));
    }

    private static async Task<FileDto> UploadAsync(Actor actor, long conversationId, string fileName, string text) =>
        await (await actor.Http.PostAsync($"/api/v1/conversations/{conversationId}/files", FilePart(fileName, text)))
            .ReadAsync<FileDto>(HttpStatusCode.Created);

    private static MultipartFormDataContent FilePart(string fileName, string text)
    {
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        return new MultipartFormDataContent { { content, "file", fileName } };
    }
}

public sealed class SqliteTenantIsolationTests(SqliteApp app) : TenantIsolationTests(app);

public sealed class PostgresTenantIsolationTests : TenantIsolationTests
{
    public PostgresTenantIsolationTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
