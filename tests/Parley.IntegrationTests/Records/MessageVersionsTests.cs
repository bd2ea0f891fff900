using System.Net;
using System.Text.Json;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Records;

public abstract class MessageVersionsTests(ParleyApp app)
{
    [Fact]
    public async Task The_record_keeps_every_version_of_a_message_for_its_sender_and_admins()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob);
        var start = DateTimeOffset.UtcNow.AddMilliseconds(-1);
        var sent = await bob.SendAsync(channel.Id, "Price is 100");
        await bob.EditAsync(channel.Id, sent.Id, "Price is 120");
        await bob.EditAsync(channel.Id, sent.Id, "Price is **150**");
        await bob.DeleteMessageAsync(channel.Id, sent.Id);
        var end = DateTimeOffset.UtcNow.AddMilliseconds(1);

        var asSender = await bob.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, sent.Id)}/versions");
        var asAdmin = await alice.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, sent.Id)}/versions");

        Assert.Equal(["posted", "edited", "edited", "deleted"], asSender.Select(e => e.Kind));
        Assert.Equal(["Price is 100", "Price is 120", "Price is **150**"], asSender.Take(3).Select(e => Text(e.Content)));
        Assert.True(asSender[3].Data!.Value.GetProperty("bySender").GetBoolean());
        Assert.Null(asSender[3].Content);
        Assert.All(asSender, e => Assert.Equal(bob.Id, e.ActorId));
        Assert.All(asSender, e => Assert.InRange(e.At, start, end));
        Assert.Equal(asSender.Select(e => e.At).Order(), asSender.Select(e => e.At));
        Assert.Equal(Enumerable.Range((int)asSender[0].Index, 4).Select(i => (long)i), asSender.Select(e => e.Index));
        Assert.Equal(4, asSender.Select(e => e.Hash).Distinct().Count());
        Assert.Equivalent(asSender, asAdmin, strict: true);
    }

    [Fact]
    public async Task A_deletion_by_a_moderator_names_the_moderator_in_the_record()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob, carol);
        await (await alice.PutAsync($"/api/v1/conversations/{channel.Id}/members/{carol.Id}/role", new { role = "moderator" })).ShouldBe(HttpStatusCode.OK);
        await bob.SendAsync(channel.Id, "unrelated");
        var sent = await bob.SendAsync(channel.Id, "rude remark");
        await (await alice.PutAsync(ReactionAt(channel.Id, sent.Id, "👎"))).ShouldBe(HttpStatusCode.OK);
        await carol.DeleteMessageAsync(channel.Id, sent.Id);

        var versions = await bob.GetOkAsync<List<RecordEntryDto>>($"{MessageAt(channel.Id, sent.Id)}/versions");

        Assert.Equal(["posted", "reaction-added", "deleted"], versions.Select(e => e.Kind));
        Assert.Equal([bob.Id, alice.Id, carol.Id], versions.Select(e => e.ActorId));
        Assert.Equal("rude remark", Text(versions[0].Content));
        Assert.Equal("👎", versions[1].Data!.Value.GetProperty("emoji").GetString());
        Assert.Equal([versions[0].Index, versions[0].Index + 1, versions[0].Index + 2], versions.Select(e => e.Index));
    }

    [Fact]
    public async Task Neither_a_member_nor_a_moderator_reads_someone_elses_versions()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        var channel = await alice.CreateChannelAsync("deals", "private", bob, carol);
        var sent = await bob.SendAsync(channel.Id, "draft");
        await bob.EditAsync(channel.Id, sent.Id, "final");

        var response = await carol.GetAsync($"{MessageAt(channel.Id, sent.Id)}/versions");
        await (await alice.PutAsync($"/api/v1/conversations/{channel.Id}/members/{carol.Id}/role", new { role = "moderator" })).ShouldBe(HttpStatusCode.OK);
        var moderatorResponse = await carol.GetAsync($"{MessageAt(channel.Id, sent.Id)}/versions");

        await response.ShouldBeProblem(HttpStatusCode.Forbidden, "record-restricted");
        await moderatorResponse.ShouldBeProblem(HttpStatusCode.Forbidden, "record-restricted");
        Assert.DoesNotContain("draft", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static string? Text(string? content) =>
        content is null ? null : JsonSerializer.Deserialize<MessageRecordContent>(content, JsonSerializerOptions.Web)!.Text;
}

public sealed class SqliteMessageVersionsTests(SqliteApp app) : MessageVersionsTests(app);

public sealed class PostgresMessageVersionsTests : MessageVersionsTests
{
    public PostgresMessageVersionsTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
