using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Platform;

/// <summary>The one policy for user text (Platform/UserText.cs), through the real API.</summary>
public abstract class UserTextTests(ParleyApp app)
{
    public static TheoryData<string> DeepMarkdown => new()
    {
        new string('>', 128) + " deep",
        string.Concat(Enumerable.Repeat("- ", 64)) + "deep",
        string.Concat(Enumerable.Repeat("> 1. ", 50)) + "deep",
        new string('[', 3000) + "deep",
    };

    [Theory]
    [MemberData(nameof(DeepMarkdown))]
    public async Task Markdown_nested_too_deep_is_shown_as_text_on_send_and_on_edit(string source)
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("deep");

        var sent = await alice.SendAsync(channel.Id, source);
        var first = await alice.SendAsync(channel.Id, "to edit");
        var edited = await alice.EditAsync(channel.Id, first.Id, source);

        foreach (var message in new[] { sent, edited })
        {
            Assert.Equal(source, message.Content);
            Assert.StartsWith("<p>", message.Html);
            Assert.Contains("deep", message.Html);
            Assert.DoesNotContain("<blockquote", message.Html);
        }
    }

    [Fact]
    public async Task A_nul_is_refused_in_every_kind_of_field_with_a_code_that_names_it()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("general");
        var sent = await alice.SendAsync(channel.Id, "hello");
        var invite = await (await alice.PostAsync("/api/v1/users/invites", new { email = $"bob@{org.Domain}" })).ReadAsync<InviteDto>(HttpStatusCode.Created);
        using var anonymous = app.Http();
        const string nul = "a\u0000b";

        var answers = new (string Field, HttpResponseMessage Response)[]
        {
            ("content", await alice.PostMessageAsync(channel.Id, new { content = nul })),
            ("content", await alice.PatchAsync(MessageAt(channel.Id, sent.Id), new { content = nul })),
            ("name", await alice.PostAsync("/api/v1/conversations", new { name = nul, visibility = "public" })),
            ("topic", await alice.PatchAsync($"/api/v1/conversations/{channel.Id}", new { topic = nul })),
            ("name", await alice.PatchAsync("/api/v1/organization", new { name = nul })),
            ("email", await alice.PostAsync("/api/v1/users/invites", new { email = $"c\u0000@{org.Domain}" })),
            ("role", await alice.PostAsync($"/api/v1/conversations/{channel.Id}/members", new { userId = alice.Id, role = nul })),
            ("displayName", await anonymous.PostAsJsonAsync("/api/v1/invites/accept", new { token = invite.Token, displayName = nul, password = "a long test password" })),
            ("deviceName", await anonymous.PostLoginAsync(alice.Email, alice.Password, nul)),
            ("password", await anonymous.PostLoginAsync(alice.Email, "pass\u0000word")),
            ("action", await alice.GetAsync("/api/v1/admin/audit?action=a%00b")),
        };

        foreach (var (field, response) in answers)
        {
            var problem = await response.ShouldBeProblem(HttpStatusCode.BadRequest, "text-invalid");
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
        Assert.Equal("hello", (await alice.PageAsync(channel.Id)).Messages.Single().Content);
        Assert.Equal(["general"], (await alice.ConversationsAsync()).Select(c => c.Name));
    }

    [Fact]
    public async Task A_lone_surrogate_is_refused_naming_its_field()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("general");

        var content = await alice.SendRawJsonAsync(HttpMethod.Post, MessagesOf(channel.Id), "{\"content\": \"a\\ud800b\"}");
        var name = await alice.SendRawJsonAsync(HttpMethod.Post, "/api/v1/conversations", "{\"name\": \"\\udc00\", \"visibility\": \"public\"}");

        Assert.Equal("content", (await content.ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json")).GetProperty("field").GetString());
        Assert.Equal("name", (await name.ShouldBeProblem(HttpStatusCode.BadRequest, "malformed-json")).GetProperty("field").GetString());
        Assert.Empty((await alice.PageAsync(channel.Id)).Messages);
    }

    [Fact]
    public async Task Bidi_overrides_and_zero_width_characters_are_removed_from_names_but_kept_in_message_text()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;

        var channel = await alice.CreateChannelAsync("pay\u202Eroll\u200B");
        var renamed = await (await alice.PatchAsync($"/api/v1/conversations/{channel.Id}",
            new { name = "\u2066pay\u2069roll 2", topic = "line\u2028one\nline two\u00AD" })).ReadAsync<ConversationDto>(HttpStatusCode.OK);
        var file = await alice.UploadStarAsync(channel.Id, "invoice%E2%80%AEfdp.exe");
        var me = await (await alice.PatchAsync("/api/v1/organization", new { name = "Acme\u200F\u202D Corp" })).ReadAsync<Parley.Server.Features.Organizations.OrganizationDto>(HttpStatusCode.OK);
        var text = await alice.SendAsync(channel.Id, "👩\u200D💻 \u202Eright to left\u202C and\ttabs\nand lines");
        var reacted = await (await alice.PutAsync(ReactionAt(channel.Id, text.Id, "👩\u200D💻"))).ReadAsync<MessageDto>(HttpStatusCode.OK);
        var bidiReaction = await alice.PutAsync(ReactionAt(channel.Id, text.Id, "\u202E👍"));

        Assert.Equal("payroll", channel.Name);
        Assert.Equal(("payroll 2", "lineone\nline two"), (renamed.Name, renamed.Topic));
        Assert.Equal("invoicefdp.exe", file.FileName);
        Assert.Equal("Acme Corp", me.Name);
        Assert.Equal("👩\u200D💻 \u202Eright to left\u202C and\ttabs\nand lines", text.Content);
        Assert.Equal("👩\u200D💻", Assert.Single(reacted.Reactions).Emoji);
        await bidiReaction.ShouldBeProblem(HttpStatusCode.BadRequest, "emoji-invalid");
    }

    [Fact]
    public async Task Text_is_kept_in_NFC_so_channel_names_that_look_the_same_are_the_same()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;

        var composed = await alice.CreateChannelAsync("caf\u00E9");
        var decomposed = await alice.PostAsync("/api/v1/conversations", new { name = "CAFE\u0301", visibility = "public" });
        var message = await alice.SendAsync(composed.Id, "cafe\u0301");

        await decomposed.ShouldBeProblem(HttpStatusCode.Conflict, "conversation-name-taken");
        Assert.Equal("caf\u00E9", message.Content);
        Assert.Equal("caf\u00E9", (await alice.PageAsync(composed.Id)).Messages.Single().Content);
    }
}

internal static class UserTextTestCalls
{
    /// <summary>Uploads with the RFC 5987 <c>filename*</c> form, which carries any Unicode name percent-encoded in UTF-8.</summary>
    public static async Task<FileDto> UploadStarAsync(this Actor actor, long conversationId, string encodedName)
    {
        var part = new ByteArrayContent("%PDF"u8.ToArray());
        part.Headers.ContentType = MediaTypeHeaderValue.Parse("application/octet-stream");
        part.Headers.TryAddWithoutValidation("Content-Disposition", $"form-data; name=\"file\"; filename*=UTF-8''{encodedName}");
        var response = await actor.Http.PostAsync($"/api/v1/conversations/{conversationId}/files", new MultipartFormDataContent { part });
        return await response.ReadAsync<FileDto>(HttpStatusCode.Created);
    }

    public static Task<HttpResponseMessage> PostAsJsonAsync(this HttpClient http, string path, object body) =>
        System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(http, path, body, JsonSerializerOptions.Web);
}

public sealed class SqliteUserTextTests(SqliteApp app) : UserTextTests(app);

public sealed class PostgresUserTextTests : UserTextTests
{
    public PostgresUserTextTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
