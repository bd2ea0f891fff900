using System.Net;
using System.Text;
using System.Text.Json;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Files;

public abstract class FileSharingTests(ParleyApp app)
{
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    [Fact]
    public async Task A_member_downloads_a_sent_file_with_its_bytes_its_type_and_an_attachment_name()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("finance", "private", bob);
        var bytes = Encoding.UTF8.GetBytes("%PDF-1.7 quarterly numbers");
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var file = await alice.UploadOkAsync(channel.Id, bytes, "Q3 report.pdf", "application/pdf");
        var sent = await (await alice.SendWithFilesAsync(channel.Id, "Q3 attached", file.Id)).ReadAsync<MessageDto>(HttpStatusCode.Created);
        var live = await bobLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == sent.Id);
        var download = await bob.GetAsync($"/api/v1/files/{file.Id}");

        Assert.Equal((channel.Id, "Q3 report.pdf", "application/pdf", (long)bytes.Length, alice.Id),
            (file.ConversationId, file.FileName, file.ContentType, file.Size, file.UploaderId));
        Assert.Equal([file.Id], live.Attachments.Select(a => a.Id));
        await download.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("Q3 report.pdf", (download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName)?.Trim('"'));
        Assert.Equal(["nosniff"], download.Headers.GetValues("X-Content-Type-Options"));
        await malloryLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
    }

    [Fact]
    public async Task An_archived_channels_files_stay_downloadable_by_its_readers_and_it_takes_no_new_ones()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, carol, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Mallory"));
        var open = await alice.CreateChannelAsync("history", "public", bob);
        var closed = await alice.CreateChannelAsync("board", "private", bob);
        var inOpen = await alice.UploadOkAsync(open.Id, "minutes 2025"u8.ToArray(), "minutes.txt");
        var inClosed = await alice.UploadOkAsync(closed.Id, "board pack"u8.ToArray(), "pack.txt");
        await (await alice.SendWithFilesAsync(open.Id, "minutes", inOpen.Id)).ShouldBe(HttpStatusCode.Created);
        await (await alice.SendWithFilesAsync(closed.Id, "pack", inClosed.Id)).ShouldBe(HttpStatusCode.Created);
        await (await alice.PostAsync($"/api/v1/conversations/{open.Id}/archive")).ShouldBe(HttpStatusCode.OK);
        await (await alice.PostAsync($"/api/v1/conversations/{closed.Id}/archive")).ShouldBe(HttpStatusCode.OK);

        var byMember = await bob.GetAsync($"/api/v1/files/{inClosed.Id}");
        var byReaderOfPublic = await carol.GetAsync($"/api/v1/files/{inOpen.Id}");
        var byOutsider = await mallory.GetAsync($"/api/v1/files/{inClosed.Id}");
        var newUpload = await bob.UploadAsync(closed.Id, "late"u8.ToArray());

        await byMember.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("board pack"u8.ToArray(), await byMember.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        await byReaderOfPublic.ShouldBe(HttpStatusCode.OK);
        await byOutsider.ShouldBeHiddenAsync("pack.txt");
        await newUpload.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "conversation-archived");
    }

    [Fact]
    public async Task A_png_image_is_served_to_show_inline_rather_than_as_an_attachment()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("design", "public", bob);
        await using var bobLive = await app.ConnectAsync(bob);

        var file = await alice.UploadOkAsync(channel.Id, Png, "pixel.png", "image/png");
        var sent = await (await alice.SendWithFilesAsync(channel.Id, "", file.Id)).ReadAsync<MessageDto>(HttpStatusCode.Created);
        await bobLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == sent.Id);
        var download = await bob.GetAsync($"/api/v1/files/{file.Id}");

        await download.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("image/png", download.Content.Headers.ContentType?.MediaType);
        Assert.Null(download.Content.Headers.ContentDisposition);
        Assert.Equal(Png, await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Every_download_is_written_to_the_audit_log()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("legal", "private", bob);
        var file = await alice.UploadOkAsync(channel.Id, "NDA v2"u8.ToArray(), "nda.txt");
        await (await alice.SendWithFilesAsync(channel.Id, "the NDA", file.Id)).ShouldBe(HttpStatusCode.Created);

        foreach (var who in new[] { bob, bob, alice })
            await (await who.GetAsync($"/api/v1/files/{file.Id}")).ShouldBe(HttpStatusCode.OK);
        var audit = await alice.GetOkAsync<List<AuditEventDto>>("/api/v1/admin/audit?action=FileDownloaded");
        var byBob = await bob.GetAsync("/api/v1/admin/audit?action=FileDownloaded");

        var downloads = audit.Where(a => a.TargetId == file.Id.ToString()).ToList();
        Assert.Equal([alice.Id, bob.Id, bob.Id], downloads.Select(a => a.ActorId!.Value));
        Assert.All(downloads, a => Assert.Equal(("FileDownloaded", "file"), (a.Action, a.TargetType)));
        Assert.All(downloads, a => Assert.Equal(channel.Id, a.Data!.Value.GetProperty("conversationId").GetInt64()));
        await byBob.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
    }

    [Fact]
    public async Task A_non_member_gets_the_same_404_for_a_private_channels_file_as_for_no_file_at_all()
    {
        var org = await app.OrganizationAsync();
        var (alice, mallory) = (org.Owner, await org.MemberAsync("Mallory"));
        var stranger = (await app.OrganizationAsync()).Owner;
        var channel = await alice.CreateChannelAsync("board", "private");
        var file = await alice.UploadOkAsync(channel.Id, "merger terms"u8.ToArray(), "terms.txt");
        await (await alice.SendWithFilesAsync(channel.Id, "terms", file.Id)).ShouldBe(HttpStatusCode.Created);

        var hidden = await mallory.GetAsync($"/api/v1/files/{file.Id}");
        var foreign = await stranger.GetAsync($"/api/v1/files/{file.Id}");
        var absent = await mallory.GetAsync($"/api/v1/files/{Guid.NewGuid()}");
        var upload = await mallory.UploadAsync(channel.Id, "spam"u8.ToArray());

        await hidden.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(await absent.ProblemWithoutTraceAsync(), await hidden.ProblemWithoutTraceAsync());
        Assert.Equal(await absent.ProblemWithoutTraceAsync(), await foreign.ProblemWithoutTraceAsync());
        await upload.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        var audit = await alice.GetOkAsync<List<AuditEventDto>>("/api/v1/admin/audit?action=FileDownloaded");
        Assert.DoesNotContain(audit, a => a.TargetId == file.Id.ToString());
    }

    [Fact]
    public async Task Whoever_may_read_a_public_channel_downloads_its_files_and_a_guest_who_may_not_gets_404()
    {
        var org = await app.OrganizationAsync();
        var (alice, carol, guest) = (org.Owner, await org.MemberAsync("Carol"), await org.MemberAsync("Gus", "guest"));
        var channel = await alice.CreateChannelAsync("announcements", "public");
        var file = await alice.UploadOkAsync(channel.Id, "holiday schedule"u8.ToArray(), "holidays.txt");
        await (await alice.SendWithFilesAsync(channel.Id, "schedule", file.Id)).ShouldBe(HttpStatusCode.Created);

        var messages = await carol.GetAsync($"/api/v1/conversations/{channel.Id}/messages");
        var byReader = await carol.GetAsync($"/api/v1/files/{file.Id}");
        var byGuest = await guest.GetAsync($"/api/v1/files/{file.Id}");

        await messages.ShouldBe(HttpStatusCode.OK);
        await byReader.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("holiday schedule", await byReader.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        await byGuest.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_file_not_yet_sent_is_visible_only_to_its_uploader()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("drafts", "public", bob);
        await using var bobLive = await app.ConnectAsync(bob);

        var file = await alice.UploadOkAsync(channel.Id, "first draft"u8.ToArray(), "draft.txt");
        var byAlice = await alice.GetAsync($"/api/v1/files/{file.Id}");
        var byBob = await bob.GetAsync($"/api/v1/files/{file.Id}");

        await byAlice.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("first draft", await byAlice.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        await byBob.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(0, (await bob.ConversationAsync(channel.Id)).LastMessageSeq);
        await bobLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
    }

    [Fact]
    public async Task Identical_content_uploaded_twice_in_one_organization_is_stored_once_in_its_folder()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("shared", "public", bob);
        var bytes = Encoding.UTF8.GetBytes($"the same contents {Guid.NewGuid()}");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        await using var aliceLive = await app.ConnectAsync(alice);

        var first = await alice.UploadOkAsync(channel.Id, bytes, "a.txt");
        var second = await bob.UploadOkAsync(channel.Id, bytes, "b.txt");
        var sent = await (await bob.SendWithFilesAsync(channel.Id, "mine too", second.Id)).ReadAsync<MessageDto>(HttpStatusCode.Created);
        await aliceLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == sent.Id);

        Assert.NotEqual(first.Id, second.Id);
        var stored = Directory.GetFiles(app.FilesDirectory(), sha, SearchOption.AllDirectories);
        Assert.Equal([Path.Combine(app.FilesDirectory(), org.Id.ToString(), sha[..2], sha[2..4], sha)], stored);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(stored[0], TestContext.Current.CancellationToken));
        Assert.Equal(bytes, await (await alice.GetAsync($"/api/v1/files/{first.Id}")).Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        var bobs = await alice.GetAsync($"/api/v1/files/{second.Id}");
        Assert.Equal("b.txt", bobs.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }

    [Fact]
    public async Task A_deleted_messages_file_can_no_longer_be_downloaded()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("oops", "private", bob);
        var file = await alice.UploadOkAsync(channel.Id, "wrong file"u8.ToArray(), "salaries.txt");
        var sent = await (await alice.SendWithFilesAsync(channel.Id, "oops", file.Id)).ReadAsync<MessageDto>(HttpStatusCode.Created);
        await (await bob.GetAsync($"/api/v1/files/{file.Id}")).ShouldBe(HttpStatusCode.OK);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        await (await alice.DeleteAsync($"/api/v1/conversations/{channel.Id}/messages/{sent.Id}")).ShouldBe(HttpStatusCode.OK);

        var deleted = await bobLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageDeleted));
        Assert.Equal((sent.Id, true), (deleted.Id, deleted.Deleted));
        Assert.Empty(deleted.Attachments);
        await (await bob.GetAsync($"/api/v1/files/{file.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await alice.GetAsync($"/api/v1/files/{file.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await malloryLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageDeleted));
    }
}

public sealed class SqliteFileSharingTests(SqliteApp app) : FileSharingTests(app);

public sealed class PostgresFileSharingTests : FileSharingTests
{
    public PostgresFileSharingTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
