extern alias cli;

using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using cli::Parley.Cli;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Compliance;
using Parley.Server.Features.Compliance.Gdpr;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Compliance;

/// <summary>
/// GDPR requests over HTTP: a person's access export (its contents, and who may have it), erasure with and without a legal
/// hold or a retention minimum (what is kept, who still reads it, idempotence), and that the record stays provable after it:
/// the integrity check and <c>parley verify</c> of an export both pass.
/// </summary>
public abstract class GdprTests(ParleyApp app) : IDisposable
{
    private readonly List<string> _temp = [];

    public void Dispose()
    {
        foreach (var path in _temp)
            File.Delete(path);
        GC.SuppressFinalize(this);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string ExportOf(Guid userId) => $"/api/v1/compliance/people/{userId}/personal-data";

    private static string ErasureOf(Guid userId) => $"/api/v1/compliance/people/{userId}/erasure";

    private static async Task<Dictionary<string, string>> UnzipAsync(HttpResponseMessage response)
    {
        await response.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        return await EntriesAsync(await response.Content.ReadAsStreamAsync(Ct));
    }

    private static async Task<Dictionary<string, string>> EntriesAsync(Stream archive)
    {
        using var zip = new ZipArchive(archive);
        var entries = new Dictionary<string, string>();
        foreach (var entry in zip.Entries)
            using (var reader = new StreamReader(entry.Open(), Encoding.UTF8))
                entries[entry.FullName] = await reader.ReadToEndAsync(Ct);
        return entries;
    }

    private static List<JsonElement> Lines(string jsonl) =>
        [.. jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    /// <summary>
    /// Asks for an erasure (answered at once, 202, with the person already pseudonymised), lets the worker carry it out
    /// (the background's round or this one: either has finished when this returns), and reads the report where the answer
    /// said to follow it.
    /// </summary>
    private async Task<ErasureReportDto> EraseAsync(Actor by, Actor person)
    {
        var response = await by.PostAsync(ErasureOf(person.Id));
        var location = response.Headers.Location?.OriginalString;
        var asked = await response.ReadAsync<ErasureRequestDto>(HttpStatusCode.Accepted);
        Assert.Equal($"/api/v1/compliance/erasures/{asked.Id}", location);
        Assert.Equal((person.Id, Pseudonym.Of(person.Id).DisplayName), (asked.UserId, asked.Pseudonym));
        await (await app.Http().PostLoginAsync(person.Email, person.Password)).ShouldBe(HttpStatusCode.Unauthorized);
        await app.Services.GetRequiredService<ErasureWorker>().RunOnceAsync(Ct);
        var done = await by.GetOkAsync<ErasureRequestDto>(location!);
        Assert.Equal(("done", done.MessagesTotal), (done.State, (int?)done.MessagesDone));
        return done.Report!;
    }

    /// <summary>The organization's record export, checked by <c>parley verify</c> with the organization's key.</summary>
    private async Task<string> VerifiedExportAsync(Org org)
    {
        var response = await org.Owner.GetAsync("/api/v1/admin/record/export");
        await response.ShouldBe(HttpStatusCode.OK);
        var zip = Path.Combine(Path.GetTempPath(), $"parley-gdpr-{Guid.NewGuid():N}.zip");
        _temp.Add(zip);
        await File.WriteAllBytesAsync(zip, await response.Content.ReadAsByteArrayAsync(Ct), Ct);
        var key = await app.WithDbAsync(db => db.SigningKeys.Where(k => k.OrganizationId == org.Id).Select(k => k.VerifierKey).FirstAsync(Ct));
        var verdict = BundleVerifier.Verify(zip, [key]);
        Assert.True(verdict.Ok, verdict.Text);
        using var archive = ZipFile.OpenRead(zip);
        using var reader = new StreamReader(archive.GetEntry("leaves.jsonl")!.Open());
        return await reader.ReadToEndAsync(Ct);
    }

    [Fact]
    public async Task The_access_export_holds_the_profile_sessions_every_version_sent_the_files_what_was_seen_while_a_member_and_the_audit()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        var channel = await org.Owner.CreateChannelAsync("general", "public", carol);
        var before = await carol.SendAsync(channel.Id, "before Bob came");
        await (await bob.PostAsync($"/api/v1/conversations/{channel.Id}/join")).ShouldBe(HttpStatusCode.OK);
        var seen = await carol.SendAsync(channel.Id, "welcome Bob");
        var sent = await bob.SendAsync(channel.Id, "first draft");
        await bob.EditAsync(channel.Id, sent.Id, "second draft");
        var file = await bob.UploadOkAsync(channel.Id, Encoding.UTF8.GetBytes("the report's bytes"), "report.txt");
        await (await bob.PostMessageAsync(channel.Id, new { content = "the report", attachmentIds = new[] { file.Id }, clientMessageId = Guid.NewGuid() }))
            .ShouldBe(HttpStatusCode.Created);
        await (await bob.PostAsync($"/api/v1/conversations/{channel.Id}/leave")).ShouldBe(HttpStatusCode.NoContent);
        var after = await carol.SendAsync(channel.Id, "after Bob left");
        var elsewhere = await org.Owner.CreateChannelAsync("private", "private", carol);
        await carol.SendAsync(elsewhere.Id, "not for Bob");

        var zip = await UnzipAsync(await bob.GetAsync("/api/v1/me/personal-data"));

        Assert.Equal(["audit.jsonl", "conversations.jsonl", $"conversations/{channel.Id}.jsonl", "files.jsonl", $"files/{file.Id}", "manifest.json",
            "messages-sent.jsonl", "profile.json", "sessions.jsonl"], zip.Keys.Order(StringComparer.Ordinal));
        using var manifest = JsonDocument.Parse(zip["manifest.json"]);
        Assert.Equal(PersonalDataWriter.Format, manifest.RootElement.GetProperty("format").GetString());
        using var profile = JsonDocument.Parse(zip["profile.json"]);
        Assert.Equal(bob.Email, profile.RootElement.GetProperty("email").GetString());
        Assert.Equal("Bob", profile.RootElement.GetProperty("displayName").GetString());
        Assert.NotEmpty(Lines(zip["sessions.jsonl"]));
        var versions = Lines(zip["messages-sent.jsonl"]);
        Assert.Equal(["first draft", "second draft", "the report"], versions.Select(v => v.GetProperty("text").GetString()));
        Assert.Equal(["message-posted", "message-edited", "message-posted"], versions.Select(v => v.GetProperty("kind").GetString()));
        Assert.Equal("the report's bytes", zip[$"files/{file.Id}"]);
        Assert.Equal("report.txt", Assert.Single(Lines(zip["files.jsonl"])).GetProperty("name").GetString());
        var conversation = Assert.Single(Lines(zip["conversations.jsonl"]));
        Assert.Equal(channel.Id, conversation.GetProperty("id").GetInt64());
        Assert.NotNull(Assert.Single(conversation.GetProperty("memberships").EnumerateArray().ToList()).GetProperty("to").GetString());
        var visible = Lines(zip[$"conversations/{channel.Id}.jsonl"]).Select(m => m.GetProperty("id").GetInt64()).ToList();
        Assert.Contains(seen.Id, visible);
        Assert.Contains(sent.Id, visible);
        Assert.DoesNotContain(before.Id, visible);
        Assert.DoesNotContain(after.Id, visible);
        Assert.DoesNotContain("not for Bob", string.Concat(zip.Values));
        var audit = Lines(zip["audit.jsonl"]);
        Assert.Contains(audit, a => a.GetProperty("action").GetString() == "login-succeeded");
        Assert.All(audit, a => Assert.True(a.GetProperty("actor").GetString() == bob.Id.ToString() || a.GetProperty("targetId").GetString() == bob.Id.ToString()));
        var exported = Assert.Single(await org.Owner.AuditAsync(nameof(AuditAction.PersonalDataExported)));
        Assert.Equal((bob.Id, bob.Id.ToString()), (exported.ActorId!.Value, exported.TargetId));
    }

    [Fact]
    public async Task The_access_export_reads_the_same_in_pages_of_one_row_as_in_one_page()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        var first = await org.Owner.CreateChannelAsync("first", "public", bob, carol);
        var second = await org.Owner.CreateChannelAsync("second", "private", bob, carol);
        foreach (var channel in new[] { first, second })
        {
            await carol.SendAsync(channel.Id, $"hello in {channel.Id}");
            var sent = await bob.SendAsync(channel.Id, "a draft");
            await bob.EditAsync(channel.Id, sent.Id, "the final text");
            var attached = await bob.UploadOkAsync(channel.Id, Encoding.UTF8.GetBytes($"attached in {channel.Id}"), "attached.txt");
            await (await bob.PostMessageAsync(channel.Id, new { content = "see attached", attachmentIds = new[] { attached.Id }, clientMessageId = Guid.NewGuid() }))
                .ShouldBe(HttpStatusCode.Created);
            await bob.UploadOkAsync(channel.Id, Encoding.UTF8.GetBytes($"never sent in {channel.Id}"), "unsent.txt");
        }

        var now = DateTimeOffset.UtcNow;
        async Task<Dictionary<string, string>> WriteAsync(int batch)
        {
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
            var person = await db.Users.SingleAsync(u => u.Id == bob.Id, Ct);
            using var buffer = new MemoryStream();
            using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
                await new PersonalDataWriter(db, scope.ServiceProvider.GetRequiredService<FileStore>(), person, zip, batch).WriteAsync(bob.Id, now, Ct);
            buffer.Position = 0;
            return await EntriesAsync(buffer);
        }

        var whole = await WriteAsync(1000);
        var paged = await WriteAsync(1);

        Assert.Equal(4, Lines(whole["files.jsonl"]).Count);
        Assert.Equal(4, whole.Keys.Count(k => k.StartsWith("files/", StringComparison.Ordinal)));
        Assert.Equal(6, Lines(whole["messages-sent.jsonl"]).Count);
        Assert.Equal(2, Lines(whole["conversations.jsonl"]).Count);
        Assert.Equal(whole.Keys.Order(StringComparer.Ordinal), paged.Keys.Order(StringComparer.Ordinal));
        Assert.All(whole, entry => Assert.Equal(entry.Value, paged[entry.Key]));
    }

    [Fact]
    public async Task Only_compliance_admins_and_owners_export_someone_else_and_never_across_organizations()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol, officer) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Olga", "compliance"));
        var other = await app.OrganizationAsync();

        await (await carol.GetAsync(ExportOf(bob.Id))).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
        await (await other.Owner.GetAsync(ExportOf(bob.Id))).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await officer.GetAsync(ExportOf(Guid.NewGuid()))).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await other.Owner.PostAsync(ErasureOf(bob.Id))).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await carol.PostAsync(ErasureOf(bob.Id))).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
        await (await officer.PostAsync(ErasureOf(officer.Id))).ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "cannot-erase-self");
        await (await officer.PostAsync(ErasureOf(org.Owner.Id))).ShouldBeProblem(HttpStatusCode.Forbidden, "owner-only");

        var zip = await UnzipAsync(await officer.GetAsync(ExportOf(bob.Id)));
        using var profile = JsonDocument.Parse(zip["profile.json"]);
        Assert.Equal(bob.Email, profile.RootElement.GetProperty("email").GetString());
        var exported = Assert.Single(await org.Owner.AuditAsync(nameof(AuditAction.PersonalDataExported)));
        Assert.Equal((officer.Id, bob.Id.ToString()), (exported.ActorId!.Value, exported.TargetId));
        Assert.Empty(await other.Owner.AuditAsync(nameof(AuditAction.PersonalDataExported)));

        var asked = await (await officer.PostAsync(ErasureOf(bob.Id))).ReadAsync<ErasureRequestDto>(HttpStatusCode.Accepted);
        var request = $"/api/v1/compliance/erasures/{asked.Id}";
        await (await carol.GetAsync(request)).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
        await (await other.Owner.GetAsync(request)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        await (await officer.GetAsync($"/api/v1/compliance/erasures/{Guid.NewGuid()}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(asked.Id, (await org.Owner.GetOkAsync<ErasureRequestDto>(request)).Id);
        var audited = Assert.Single(await org.Owner.AuditAsync(nameof(AuditAction.ErasureRequested)));
        Assert.Equal((officer.Id, "erasure-request", asked.Id.ToString()), (audited.ActorId!.Value, audited.TargetType, audited.TargetId));
    }

    [Fact]
    public async Task Erasure_pseudonymises_erases_content_files_and_audit_data_and_the_record_still_verifies_and_a_second_request_says_it_was_done()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol, officer) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Olga", "compliance"));
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob, carol);
        var said = await bob.SendAsync(channel.Id, "my secret plan");
        await bob.EditAsync(channel.Id, said.Id, "my revised secret plan");
        var file = await bob.UploadOkAsync(channel.Id, Encoding.UTF8.GetBytes("bob's private bytes"), "plan.txt");
        await (await bob.PostMessageAsync(channel.Id, new { content = "attached", attachmentIds = new[] { file.Id }, clientMessageId = Guid.NewGuid() }))
            .ShouldBe(HttpStatusCode.Created);
        var reply = await carol.SendAsync(channel.Id, "noted");
        var draft = await bob.UploadOkAsync(channel.Id, Encoding.UTF8.GetBytes("never sent"), "draft-notes.txt");

        var report = await EraseAsync(officer, bob);

        Assert.Equal(("erased", 2, 2, 0), (report.Status, report.MessagesErased, report.FilesErased, report.KeptTotal));
        Assert.Equal("", await app.WithDbAsync(db => db.Files.Where(f => f.Id == draft.Id && f.ErasedAt != null).Select(f => f.FileName).SingleAsync(Ct)));
        Assert.Equal(Pseudonym.Of(bob.Id).DisplayName, report.Pseudonym);
        Assert.StartsWith("Former member ", report.Pseudonym);
        Assert.True(report.AuditEntriesErased > 0);
        var shown = Assert.Single(await carol.UsersAsync(), u => u.Id == bob.Id);
        Assert.Equal((report.Pseudonym, false), (shown.DisplayName, shown.Active));
        Assert.DoesNotContain(bob.Email, shown.Email);
        await (await bob.GetAsync("/api/v1/users/me")).ShouldBe(HttpStatusCode.Unauthorized);
        await (await app.Http().PostLoginAsync(bob.Email, bob.Password)).ShouldBe(HttpStatusCode.Unauthorized);
        var page = await carol.PageAsync(channel.Id);
        Assert.All(page.Messages.Where(m => m.SenderId == bob.Id), m => Assert.Equal("", m.Content));
        Assert.Equal("noted", Assert.Single(page.Messages, m => m.Id == reply.Id).Content);
        await (await carol.GetAsync($"/api/v1/files/{file.Id}")).ShouldBeProblem(HttpStatusCode.Gone, "file-erased");
        var bobsAudit = (await org.Owner.AuditAsync()).Where(a => a.ActorId == bob.Id).ToList();
        Assert.NotEmpty(bobsAudit);
        Assert.All(bobsAudit, a => Assert.Null(a.Data));
        Assert.All(bobsAudit, a => Assert.Null(a.Address));
        Assert.NotEmpty(await org.Owner.AuditAsync(nameof(AuditAction.PersonalDataErased)));

        Assert.True((await officer.IntegrityAsync()).Intact);
        var leaves = await VerifiedExportAsync(org);
        Assert.DoesNotContain("secret plan", leaves);
        Assert.DoesNotContain("plan.txt", leaves);
        Assert.DoesNotContain("draft-notes.txt", leaves);
        Assert.DoesNotContain(bob.Email, leaves);

        var again = await EraseAsync(org.Owner, bob);
        Assert.Equal(("already-erased", 0, 0, 0), (again.Status, again.MessagesErased, again.AuditEntriesErased, again.KeptTotal));
        Assert.Equal(report.Pseudonym, again.Pseudonym);
        Assert.True((await officer.IntegrityAsync()).Intact);
    }

    [Fact]
    public async Task Erasure_of_a_held_person_keeps_the_held_messages_for_compliance_only_and_erases_them_once_the_hold_is_released()
    {
        var org = await app.OrganizationAsync();
        var (bob, carol, officer) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Olga", "compliance"));
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob, carol);
        var held = await bob.SendAsync(channel.Id, "the contract terms");
        await bob.SendAsync(channel.Id, "lunch?");
        var hold = await (await officer.PostAsync("/api/v1/compliance/holds", new { name = "Case 7", custodianIds = new[] { bob.Id }, words = new[] { "contract" } }))
            .ReadAsync<LegalHoldDto>(HttpStatusCode.Created);

        var report = await EraseAsync(officer, bob);

        Assert.Equal(("erased", 1, 1), (report.Status, report.MessagesErased, report.KeptTotal));
        Assert.Equal(new KeptMessagesDto(channel.Id, "legal-hold", 1), Assert.Single(report.Kept));
        var kept = Assert.Single((await carol.PageAsync(channel.Id)).Messages, m => m.Id == held.Id);
        Assert.True(kept.Deleted);
        Assert.Null(kept.Content);
        await (await carol.GetAsync($"{MessageAt(channel.Id, held.Id)}/versions")).ShouldBeProblem(HttpStatusCode.Forbidden, "record-restricted");
        Assert.True((await officer.IntegrityAsync()).Intact);
        Assert.Contains("the contract terms", await VerifiedExportAsync(org));   // the record, which compliance reads, keeps it
        var officerView = await UnzipAsync(await officer.GetAsync(ExportOf(bob.Id)));
        Assert.Contains("the contract terms", officerView["messages-sent.jsonl"]);

        await (await officer.PostAsync($"/api/v1/compliance/holds/{hold.Id}/release")).ShouldBe(HttpStatusCode.OK);
        var again = await EraseAsync(officer, bob);

        Assert.Equal(("already-erased", 1, 0), (again.Status, again.MessagesErased, again.KeptTotal));
        Assert.True((await officer.IntegrityAsync()).Intact);
        Assert.DoesNotContain("the contract terms", await VerifiedExportAsync(org));
        Assert.Equal(0, (await EraseAsync(officer, bob)).MessagesErased);
    }

    [Fact]
    public async Task Erasure_keeps_what_a_retention_minimum_keeps_and_says_why()
    {
        var org = await app.OrganizationAsync();
        var (bob, officer) = (await org.MemberAsync("Bob"), await org.MemberAsync("Olga", "compliance"));
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        await bob.SendAsync(channel.Id, "kept for thirty days");
        await (await officer.PutAsync("/api/v1/compliance/retention/policies/organization", new { minimumDays = 30 })).ShouldBe(HttpStatusCode.OK);

        var report = await EraseAsync(officer, bob);

        Assert.Equal(0, report.MessagesErased);
        Assert.Equal(new KeptMessagesDto(channel.Id, "retention-minimum", 1), Assert.Single(report.Kept));
        Assert.True(Assert.Single((await org.Owner.PageAsync(channel.Id)).Messages).Deleted);
        Assert.True((await officer.IntegrityAsync()).Intact);
    }

    [Fact]
    public async Task The_processing_record_is_generated_from_the_live_configuration_as_json_and_markdown()
    {
        var org = await app.OrganizationAsync();
        var (bob, officer) = (await org.MemberAsync("Bob"), await org.MemberAsync("Olga", "compliance"));
        await (await officer.PutAsync("/api/v1/compliance/retention/policies/kinds/direct", new { minimumDays = 10, maximumDays = 400 })).ShouldBe(HttpStatusCode.OK);
        await (await officer.PostAsync("/api/v1/compliance/holds", new { name = "Case 1", custodianIds = new[] { bob.Id } })).ShouldBe(HttpStatusCode.Created);

        var record = await officer.GetOkAsync<ProcessingRecordDto>("/api/v1/compliance/processing-record");
        var markdown = await officer.GetAsync("/api/v1/compliance/processing-record?format=md");

        Assert.Equal(new RetentionInForceDto("kind:direct", 10, 400), Assert.Single(record.Retention));
        Assert.Equal((1, 0), (record.ActiveLegalHolds, record.ReleasedLegalHolds));
        Assert.Equal(3, record.Counts.People);
        Assert.Contains(record.Categories, c => c.Name == "Communications");
        Assert.Contains(record.Recipients, r => r.Kind == "witness-folder");
        Assert.NotEmpty(record.SecurityMeasures);
        await markdown.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType?.MediaType);
        var text = await markdown.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith($"# Record of processing activities: ", text);
        Assert.Contains("| kind:direct | 10 | 400 |", text);
        Assert.Contains("Legal holds: 1 active, 0 released.", text);
        await (await bob.GetAsync("/api/v1/compliance/processing-record")).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
        await (await officer.GetAsync("/api/v1/compliance/processing-record?format=xml")).ShouldBeProblem(HttpStatusCode.BadRequest, "format-invalid");
        Assert.Equal(2, (await org.Owner.AuditAsync(nameof(AuditAction.ProcessingRecordRead))).Count);
    }
}

public sealed class SqliteGdprTests(SqliteApp app) : GdprTests(app);

public sealed class PostgresGdprTests : GdprTests
{
    public PostgresGdprTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
