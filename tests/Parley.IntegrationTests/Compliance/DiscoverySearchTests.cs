using System.Net;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Compliance.Discovery;

namespace Parley.IntegrationTests.Compliance;

public abstract class DiscoverySearchTests(DiscoveryApp app)
{
    private const string Search = "/api/v1/compliance/search";

    private static async Task<DiscoveryPageDto> SearchAsync(Actor by, object criteria) =>
        await (await by.PostAsync(Search, criteria)).ReadAsync<DiscoveryPageDto>(HttpStatusCode.OK);

    [Fact]
    public async Task Search_finds_every_version_of_edited_and_deleted_messages_with_the_members_at_the_time()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var (bob, carol, dave) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Dave"));
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob, carol);
        var first = await bob.SendAsync(channel.Id, "Le Résumé du projet est prêt");
        await bob.EditAsync(channel.Id, first.Id, "Rien à voir");
        var gone = await carol.SendAsync(channel.Id, "à supprimer, vite");
        await carol.DeleteMessageAsync(channel.Id, gone.Id);
        await (await org.Owner.PostAsync($"/api/v1/conversations/{channel.Id}/members", new { userId = dave.Id })).ShouldBe(HttpStatusCode.OK);
        await (await org.Owner.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{carol.Id}")).ShouldBe(HttpStatusCode.NoContent);
        var later = await bob.SendAsync(channel.Id, "after the changes");

        // "resume" finds "Résumé", though only the first version said it, and whatever the case.
        var byWord = await SearchAsync(officer, new { words = new[] { "RESUME" } });
        var byCarol = await SearchAsync(officer, new { senderIds = new[] { carol.Id } });
        var byBob = await SearchAsync(officer, new { senderIds = new[] { bob.Id } });

        var found = Assert.Single(byWord.Messages);
        Assert.Equal(first.Id, found.Id);
        Assert.Equal(["Le Résumé du projet est prêt", "Rien à voir"], found.Versions.Select(v => v.Text));
        Assert.Equal(["posted", "edited"], found.Versions.Select(v => v.Kind));
        Assert.Equal(bob.Id, found.Sender.Id);
        Assert.Equal(bob.Email, found.Sender.Email);
        Assert.Null(found.DeletedAt);
        Assert.Equal(new[] { org.Owner.Id, bob.Id, carol.Id }.Order(), found.MembersAtTime.Select(p => p.Id).Order());

        var deleted = Assert.Single(byCarol.Messages);
        Assert.NotNull(deleted.DeletedAt);
        Assert.Equal(carol.Id, deleted.DeletedBy);
        Assert.Equal("à supprimer, vite", Assert.Single(deleted.Versions).Text);

        Assert.Equal([first.Id, later.Id], byBob.Messages.Select(m => m.Id));
        Assert.Equal(new[] { org.Owner.Id, bob.Id, dave.Id }.Order(), byBob.Messages[1].MembersAtTime.Select(p => p.Id).Order());
        Assert.Null(byBob.Next);
    }

    [Fact]
    public async Task Search_narrows_by_conversation_dates_and_files_and_pages_through_the_matches()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var bob = await org.MemberAsync("Bob");
        var (one, two) = (await org.Owner.CreateChannelAsync("one", "public", bob), await org.Owner.CreateChannelAsync("two", "public", bob));
        var old = await bob.SendAsync(one.Id, "old news");
        app.Clock.Advance(TimeSpan.FromDays(3));
        var since = app.Clock.GetUtcNow();
        var file = await bob.UploadOkAsync(one.Id, "contract"u8.ToArray(), "contract.txt");
        var withFile = await (await bob.SendWithFilesAsync(one.Id, "the contract", file.Id)).ReadAsync<Parley.Server.Features.Messages.MessageDto>(HttpStatusCode.Created);
        var elsewhere = await bob.SendAsync(two.Id, "in the other one");
        var recent = await bob.SendAsync(one.Id, "recent news");

        var inOne = await SearchAsync(officer, new { conversationIds = new[] { one.Id } });
        var sinceThen = await SearchAsync(officer, new { conversationIds = new[] { one.Id }, from = since });
        var beforeThen = await SearchAsync(officer, new { senderIds = new[] { bob.Id }, to = since });
        var files = await SearchAsync(officer, new { senderIds = new[] { bob.Id }, hasFile = true });
        var noFiles = await SearchAsync(officer, new { conversationIds = new[] { one.Id, two.Id }, hasFile = false });

        Assert.Equal([old.Id, withFile.Id, recent.Id], inOne.Messages.Select(m => m.Id));
        Assert.Equal([withFile.Id, recent.Id], sinceThen.Messages.Select(m => m.Id));
        Assert.Equal([old.Id], beforeThen.Messages.Select(m => m.Id));
        var attached = Assert.Single(Assert.Single(files.Messages).Files);
        Assert.Equal(("contract.txt", 8L), (attached.Name, attached.Size));
        Assert.Equal([old.Id, elsewhere.Id, recent.Id], noFiles.Messages.Select(m => m.Id));

        var page1 = await SearchAsync(officer, new { conversationIds = new[] { one.Id }, pageSize = 2 });
        var page2 = await SearchAsync(officer, new { conversationIds = new[] { one.Id }, pageSize = 2, after = page1.Next });
        Assert.Equal([old.Id, withFile.Id], page1.Messages.Select(m => m.Id));
        Assert.Equal(withFile.Id, page1.Next);
        Assert.Equal([recent.Id], page2.Messages.Select(m => m.Id));
        Assert.Null(page2.Next);
    }

    [Fact]
    public async Task Search_is_for_compliance_admins_and_owners_is_audited_and_refuses_bad_input()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var (bob, dana) = (await org.MemberAsync("Bob"), await org.MemberAsync("Dana", "admin"));
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        await bob.SendAsync(channel.Id, "hello");
        var now = app.Clock.GetUtcNow();

        await (await bob.PostAsync(Search, new { words = new[] { "hello" } })).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
        Assert.Single((await SearchAsync(dana, new { words = new[] { "hello" } })).Messages);
        Assert.Single((await SearchAsync(org.Owner, new { words = new[] { "hello" } })).Messages);

        await (await officer.PostAsync(Search, new { })).ShouldBeProblem(HttpStatusCode.BadRequest, "search-criteria-empty");
        await (await officer.PostAsync(Search, new { from = now, to = now.AddDays(-1) })).ShouldBeProblem(HttpStatusCode.BadRequest, "search-range-invalid");
        await (await officer.PostAsync(Search, new { words = new[] { "x" }, pageSize = 100000 })).ShouldBeProblem(HttpStatusCode.BadRequest, "search-page-size-invalid");
        await (await officer.PostAsync(Search, new { words = new[] { " " } })).ShouldBeProblem(HttpStatusCode.BadRequest, "search-word-invalid");
        await (await officer.PostAsync(Search, new { conversationIds = new[] { long.MaxValue } })).ShouldBeProblem(HttpStatusCode.BadRequest, "search-conversation-unknown");
        await (await officer.PostAsync(Search, new { senderIds = new[] { Guid.NewGuid() } })).ShouldBeProblem(HttpStatusCode.BadRequest, "search-person-unknown");

        var audit = await org.Owner.GetOkAsync<List<AuditEventDto>>($"/api/v1/admin/audit?action={nameof(AuditAction.DiscoverySearched)}");
        // Refused searches are not searches: the two that ran are audited, with what was searched.
        Assert.Equal(new[] { dana.Id, org.Owner.Id }.Order(), audit.Select(a => a.ActorId!.Value).Order());
        Assert.Contains(audit, a => a.ActorId == dana.Id && a.Data!.Value.GetProperty("criteria").GetProperty("words")[0].GetString() == "hello");
    }

    [Fact]
    public async Task Another_organization_cannot_see_or_learn_of_our_messages_or_conversations()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        await bob.SendAsync(channel.Id, "confidential merger");
        var other = await app.OrganizationAsync();
        var stranger = await other.MemberAsync("Sam", "compliance");

        var ours = await (await stranger.PostAsync(Search, new { conversationIds = new[] { channel.Id } })).ProblemWithoutTraceAsync();
        var missing = await (await stranger.PostAsync(Search, new { conversationIds = new[] { long.MaxValue } })).ProblemWithoutTraceAsync();
        var byWord = await SearchAsync(stranger, new { words = new[] { "merger" } });
        await (await stranger.PostAsync(Search, new { senderIds = new[] { bob.Id } })).ShouldBeProblem(HttpStatusCode.BadRequest, "search-person-unknown");

        Assert.Equal(missing, ours);
        Assert.Empty(byWord.Messages);
    }
}

public sealed class SqliteDiscoverySearchTests(SqliteDiscoveryApp app) : DiscoverySearchTests(app), IClassFixture<SqliteDiscoveryApp>;

public sealed class PostgresDiscoverySearchTests : DiscoverySearchTests, IClassFixture<PostgresDiscoveryApp>
{
    public PostgresDiscoverySearchTests(PostgresDiscoveryApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
