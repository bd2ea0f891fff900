using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Files;

public abstract class FileUploadTests(ParleyApp app)
{
    private const int Limit = 1024 * 1024;

    [Fact]
    public async Task A_file_over_the_limit_is_413_and_leaves_nothing_behind()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("big", "private");
        var bytes = new byte[Limit + 1];
        Random.Shared.NextBytes(bytes);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

        var response = await alice.UploadAsync(channel.Id, bytes, "huge.bin", "application/octet-stream");

        await response.ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "file-too-large");
        Assert.Equal(0, await app.WithDbAsync(db => db.Files.CountAsync(f => f.ConversationId == channel.Id)));
        Assert.Empty(Directory.Exists(app.FilesDirectory()) ? Directory.GetFiles(app.FilesDirectory(), sha, SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task A_file_of_exactly_the_limit_is_accepted()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("big", "private");

        var file = await alice.UploadOkAsync(channel.Id, new byte[Limit], "zeros.bin", "application/octet-stream");

        Assert.Equal(Limit, file.Size);
    }

    [Fact]
    public async Task A_body_that_is_not_multipart_is_415()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("uploads", "private");

        var json = await alice.PostAsync($"/api/v1/conversations/{channel.Id}/files", new { file = "aGVsbG8=" });
        var raw = await alice.Http.PostAsync($"/api/v1/conversations/{channel.Id}/files", new ByteArrayContent("hello"u8.ToArray()),
            TestContext.Current.CancellationToken);

        await json.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "multipart-required");
        await raw.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "multipart-required");
        Assert.Equal(0, await app.WithDbAsync(db => db.Files.CountAsync(f => f.ConversationId == channel.Id)));
    }

    [Fact]
    public async Task A_form_without_a_file_is_400()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("uploads", "private");
        var form = new MultipartFormDataContent { { new StringContent("just a caption"), "caption" } };

        var response = await alice.Http.PostAsync($"/api/v1/conversations/{channel.Id}/files", form, TestContext.Current.CancellationToken);

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, "file-missing");
        Assert.Equal(0, await app.WithDbAsync(db => db.Files.CountAsync(f => f.ConversationId == channel.Id)));
    }

    [Fact]
    public async Task A_path_in_the_file_name_is_dropped_and_the_download_can_never_run_as_a_page()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("web", "private", bob);
        const string html = "<script>alert(document.cookie)</script>";
        await using var bobLive = await app.ConnectAsync(bob);

        var file = await alice.UploadOkAsync(channel.Id, System.Text.Encoding.UTF8.GetBytes(html), "../../etc/<script>evil.html", "text/html");
        var sent = await (await alice.SendWithFilesAsync(channel.Id, "have a look", file.Id)).ReadAsync<MessageDto>(HttpStatusCode.Created);
        await bobLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == sent.Id);
        var download = await bob.GetAsync($"/api/v1/files/{file.Id}");

        Assert.Equal("<script>evil.html", file.FileName);
        await download.ShouldBe(HttpStatusCode.OK);
        var disposition = download.Content.Headers.ContentDisposition;
        Assert.Equal("attachment", disposition?.DispositionType);
        var served = (disposition?.FileNameStar ?? disposition?.FileName)?.Trim('"');
        Assert.Equal("<script>evil.html", served);
        Assert.Equal(["nosniff"], download.Headers.GetValues("X-Content-Type-Options"));
        var csp = Assert.Single(download.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("sandbox", csp);
        Assert.Contains("default-src 'none'", csp);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(app.FilesDirectory())!, "*evil*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Attaching_someone_elses_file_or_a_file_of_another_conversation_is_refused()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("team", "private", bob);
        var elsewhere = await alice.CreateChannelAsync("elsewhere", "private", bob);
        var bobs = await bob.UploadOkAsync(channel.Id, "bob's notes"u8.ToArray());
        var other = await alice.UploadOkAsync(elsewhere.Id, "other conversation"u8.ToArray());
        var mine = await alice.UploadOkAsync(channel.Id, "alice's notes"u8.ToArray());
        await (await alice.SendWithFilesAsync(channel.Id, "first", mine.Id)).ShouldBe(HttpStatusCode.Created);
        await using var bobLive = await app.ConnectAsync(bob);

        var someoneElses = await alice.SendWithFilesAsync(channel.Id, "look", bobs.Id);
        var otherConversation = await alice.SendWithFilesAsync(channel.Id, "look", other.Id);
        var alreadySent = await alice.SendWithFilesAsync(channel.Id, "again", mine.Id);
        var unknown = await alice.SendWithFilesAsync(channel.Id, "look", Guid.NewGuid());

        await someoneElses.ShouldBeProblem(HttpStatusCode.BadRequest, "attachment-invalid");
        await otherConversation.ShouldBeProblem(HttpStatusCode.BadRequest, "attachment-invalid");
        await alreadySent.ShouldBeProblem(HttpStatusCode.BadRequest, "attachment-invalid");
        await unknown.ShouldBeProblem(HttpStatusCode.BadRequest, "attachment-invalid");
        Assert.Equal(1, (await alice.ConversationAsync(channel.Id)).LastMessageSeq);
        await (await alice.GetAsync($"/api/v1/files/{bobs.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await bobLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
    }

    [Fact]
    public async Task A_file_far_over_the_limit_is_413_with_the_same_code()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("big", "private");

        var response = await alice.UploadAsync(channel.Id, new byte[3 * Limit], "huge.bin", "application/octet-stream", askFirst: true);

        await response.ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "file-too-large");
        Assert.Equal(0, await app.WithDbAsync(db => db.Files.CountAsync(f => f.ConversationId == channel.Id)));
    }
}

public sealed class SqliteFileUploadTests(SqliteApp app) : FileUploadTests(app);

public sealed class PostgresFileUploadTests : FileUploadTests
{
    public PostgresFileUploadTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
