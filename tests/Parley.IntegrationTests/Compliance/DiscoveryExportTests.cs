extern alias cli;

using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using cli::Parley.Cli;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Compliance.Discovery;
using Parley.Server.Features.Messages;

namespace Parley.IntegrationTests.Compliance;

public abstract class DiscoveryExportTests(DiscoveryApp app) : IDisposable
{
    private const string Exports = "/api/v1/compliance/exports";
    private readonly List<string> _temp = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        foreach (var path in _temp)
            if (Directory.Exists(path))
                Directory.Delete(path, recursive: true);
            else
                File.Delete(path);
        GC.SuppressFinalize(this);
    }

    private static async Task<DiscoveryExportDto> ExportAsync(Actor by, object body) =>
        await (await by.PostAsync(Exports, body)).ReadAsync<DiscoveryExportDto>(HttpStatusCode.Accepted);

    /// <summary>Builds what waits, then downloads the export into a temporary file.</summary>
    private async Task<string> BuiltAsync(Actor by, DiscoveryExportDto export)
    {
        await app.BuildExportsAsync();
        Assert.Equal("ready", (await by.GetOkAsync<DiscoveryExportDto>($"{Exports}/{export.Id}")).State);
        var response = await by.GetAsync($"{Exports}/{export.Id}/download");
        await response.ShouldBe(HttpStatusCode.OK);
        var path = Path.Combine(Path.GetTempPath(), $"parley-discovery-{Guid.NewGuid():N}.zip");
        _temp.Add(path);
        await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync(Ct), Ct);
        return path;
    }

    private static string Entry(string zip, string name)
    {
        using var archive = ZipFile.OpenRead(zip);
        using var reader = new StreamReader(archive.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task A_jsonl_export_is_built_with_progress_signed_and_verified_offline_and_a_tampered_item_is_named()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        var hello = await bob.SendAsync(channel.Id, "hello");
        await bob.EditAsync(channel.Id, hello.Id, "hello again");
        await bob.SendAsync(channel.Id, "second");
        var board = await org.Owner.CreateChannelAsync("board", "private");
        await org.Owner.SendAsync(board.Id, "the merger is off");

        var asked = await ExportAsync(officer, new { criteria = new { senderIds = new[] { bob.Id } }, format = "jsonl" });
        Assert.Equal(("queued", 0), (asked.State, asked.ItemsDone));
        var zip = await BuiltAsync(officer, asked);
        var done = await officer.GetOkAsync<DiscoveryExportDto>($"{Exports}/{asked.Id}");

        Assert.Equal((2, (int?)2), (done.ItemsDone, done.ItemsTotal));
        var lines = Entry(zip, "items/messages.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var first = JsonSerializer.Deserialize<DiscoveredMessage>(lines[0], JsonSerializerOptions.Web)!;
        Assert.Equal(["hello", "hello again"], first.Versions.Select(v => v.Text));
        Assert.Equal(new[] { org.Owner.Id, bob.Id }.Order(), first.MembersAtTime.Select(p => p.Id).Order());
        using (var manifest = JsonDocument.Parse(Entry(zip, "manifest.json")))
        {
            var item = Assert.Single(manifest.RootElement.GetProperty("items").EnumerateArray());
            Assert.Equal("items/messages.jsonl", item.GetProperty("path").GetString());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Entry(zip, "items/messages.jsonl")))),
                item.GetProperty("sha256").GetString());
        }
        var key = await app.KeyOfAsync(org.Id);
        var verdict = BundleVerifier.Verify(zip, [key]);
        Assert.True(verdict.Ok, verdict.Text);
        Assert.Contains($"export {asked.Id}: manifest signed by ", verdict.Text);
        Assert.EndsWith("1 items checked", verdict.Text);
        // The record it carries is that of the conversation its items come from, whole, each line proven in the signed log;
        // nothing of the organization's other conversations, nor of its audit log.
        Assert.Contains("partial bundle, each leaf proven in the tree: ", verdict.Text);
        var leaves = Entry(zip, "leaves.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var entries = leaves.Select(l => JsonNode.Parse(l["entry"]!.GetValue<string>())!).ToList();
        Assert.All(leaves, l => Assert.NotNull(l["proof"]));
        Assert.All(entries, e => Assert.Equal(("conversation", channel.Id), (e["type"]!.GetValue<string>(), e["conversation"]!.GetValue<long>())));
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e["index"]!.GetValue<long>()));
        Assert.DoesNotContain("the merger is off", Entry(zip, "leaves.jsonl"));

        // One message changed in the items: the manifest still verifies, the item does not, and it is named.
        var tampered = await CopyWithAsync(zip, "items/messages.jsonl", "hello again", "goodbye");
        var caught = BundleVerifier.Verify(tampered, [key]);
        Assert.False(caught.Ok);
        Assert.StartsWith("FAIL item items/messages.jsonl: ", caught.Text);

        // A message's text changed in the record the export carries: named at its leaf.
        var forged = await CopyWithAsync(zip, "leaves.jsonl", "hello again", "hello never");
        var helloLeaf = leaves.First(l => l["content"]?.GetValue<string>().Contains("hello again", StringComparison.Ordinal) == true)["leaf"]!.GetValue<long>();
        var forgery = BundleVerifier.Verify(forged, [key]);
        Assert.StartsWith($"FAIL leaf {helloLeaf}: ", forgery.Text);

        // The independent verifier agrees on all three.
        var (goodExit, goodOutput) = await VerifyRecordPyAsync(zip, key);
        var (badExit, badOutput) = await VerifyRecordPyAsync(tampered, key);
        var (forgedExit, forgedOutput) = await VerifyRecordPyAsync(forged, key);
        Assert.True(goodExit == 0, goodOutput);
        Assert.Contains($"export {asked.Id}: manifest signed by ", goodOutput);
        Assert.Contains("partial bundle: ", goodOutput);
        Assert.Equal(1, badExit);
        Assert.StartsWith("FAIL item items/messages.jsonl: ", badOutput.Trim());
        Assert.Equal(1, forgedExit);
        Assert.StartsWith($"FAIL leaf {helloLeaf}: ", forgedOutput.Trim());

        var audit = await org.Owner.GetOkAsync<List<AuditEventDto>>($"/api/v1/admin/audit?action={nameof(AuditAction.DiscoveryExportCreated)}");
        Assert.Equal(asked.Id.ToString(), Assert.Single(audit, a => a.ActorId == officer.Id).TargetId);
        var downloads = await org.Owner.GetOkAsync<List<AuditEventDto>>($"/api/v1/admin/audit?action={nameof(AuditAction.DiscoveryExportDownloaded)}");
        Assert.Equal(officer.Id, Assert.Single(downloads).ActorId);
    }

    [Fact]
    public async Task Only_the_officer_who_made_an_export_sees_and_downloads_it_until_it_expires()
    {
        var org = await app.OrganizationAsync();
        var (officer, colleague) = (await org.MemberAsync("Olga", "compliance"), await org.MemberAsync("Oscar", "compliance"));
        var bob = await org.MemberAsync("Bob");
        await bob.SendAsync((await org.Owner.CreateChannelAsync("general", "public", bob)).Id, "hello");
        var stranger = await (await app.OrganizationAsync()).MemberAsync("Sam", "compliance");
        var export = await ExportAsync(officer, new { criteria = new { senderIds = new[] { bob.Id } }, format = "csv" });
        await app.BuildExportsAsync();
        var missing = Guid.NewGuid();

        foreach (var other in new[] { colleague, org.Owner, stranger })
        {
            Assert.Equal(await (await other.GetAsync($"{Exports}/{missing}/download")).ProblemWithoutTraceAsync(),
                await (await other.GetAsync($"{Exports}/{export.Id}/download")).ProblemWithoutTraceAsync());
            await (await other.GetAsync($"{Exports}/{export.Id}")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
            Assert.DoesNotContain(await other.GetOkAsync<List<DiscoveryExportDto>>(Exports), x => x.Id == export.Id);
        }
        await (await bob.GetAsync($"{Exports}/{export.Id}/download")).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
        await (await officer.GetAsync($"{Exports}/{export.Id}/download")).ShouldBe(HttpStatusCode.OK);
        Assert.Contains(await officer.GetOkAsync<List<DiscoveryExportDto>>(Exports), x => x.Id == export.Id);

        app.Clock.Advance(TimeSpan.FromDays(7));
        await (await officer.GetAsync($"{Exports}/{export.Id}/download")).ShouldBeProblem(HttpStatusCode.Gone, "export-expired");
        Assert.Equal("expired", (await officer.GetOkAsync<DiscoveryExportDto>($"{Exports}/{export.Id}")).State);
        Assert.True(File.Exists(app.ArchiveOf(export.Id)));
        await app.BuildExportsAsync();
        Assert.False(File.Exists(app.ArchiveOf(export.Id)));
        await (await officer.GetAsync($"{Exports}/{export.Id}/download")).ShouldBeProblem(HttpStatusCode.Gone, "export-expired");
    }

    [Fact]
    public async Task Bad_export_requests_get_clear_answers()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var bob = await org.MemberAsync("Bob");
        await bob.SendAsync((await org.Owner.CreateChannelAsync("general", "public", bob)).Id, "hello");
        var hold = await (await officer.PostAsync("/api/v1/compliance/holds", new { name = "Case", custodianIds = new[] { bob.Id } }))
            .ReadAsync<Parley.Server.Features.Compliance.LegalHoldDto>(HttpStatusCode.Created);
        var otherHold = await (await (await app.OrganizationAsync()).Owner.PostAsync("/api/v1/compliance/holds", new { name = "Theirs" }))
            .ReadAsync<Parley.Server.Features.Compliance.LegalHoldDto>(HttpStatusCode.Created);
        var criteria = new { senderIds = new[] { bob.Id } };

        await (await bob.PostAsync(Exports, new { criteria, format = "jsonl" })).ShouldBeProblem(HttpStatusCode.Forbidden, "compliance-only");
        await (await officer.PostAsync(Exports, new { criteria, format = "pdf" })).ShouldBeProblem(HttpStatusCode.BadRequest, "export-format-invalid");
        await (await officer.PostAsync(Exports, new { criteria, format = "4" })).ShouldBeProblem(HttpStatusCode.BadRequest, "export-format-invalid");
        await (await officer.PostAsync(Exports, new { criteria })).ShouldBeProblem(HttpStatusCode.BadRequest, "export-format-invalid");
        await (await officer.PostAsync(Exports, new { criteria, holdId = hold.Id, format = "csv" })).ShouldBeProblem(HttpStatusCode.BadRequest, "export-source-invalid");
        await (await officer.PostAsync(Exports, new { format = "csv" })).ShouldBeProblem(HttpStatusCode.BadRequest, "export-source-invalid");
        await (await officer.PostAsync(Exports, new { holdId = otherHold.Id, format = "csv" })).ShouldBeProblem(HttpStatusCode.BadRequest, "export-hold-unknown");
        await (await officer.PostAsync(Exports, new { criteria = new { }, format = "csv" })).ShouldBeProblem(HttpStatusCode.BadRequest, "search-criteria-empty");
        await (await officer.PostAsync(Exports, new { criteria = new { words = new[] { "absent" } }, format = "csv" }))
            .ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "export-empty");
        Assert.Equal("queued", (await ExportAsync(officer, new { holdId = hold.Id, format = "csv" })).State);
    }

    [Fact]
    public async Task A_csv_export_of_a_hold_cannot_run_formulas_and_quotes_as_RFC_4180_says()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        string[] hostile = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2", "@SUM(A1:A2)", "plain, with \"quotes\"\nand a line"];
        foreach (var text in hostile)
            await bob.SendAsync(channel.Id, text);
        await org.Owner.SendAsync(channel.Id, "not held");
        var hold = await (await officer.PostAsync("/api/v1/compliance/holds", new { name = "Case", custodianIds = new[] { bob.Id } }))
            .ReadAsync<Parley.Server.Features.Compliance.LegalHoldDto>(HttpStatusCode.Created);

        var zip = await BuiltAsync(officer, await ExportAsync(officer, new { holdId = hold.Id, format = "csv" }));
        var rows = ParseCsv(Entry(zip, "items/messages.csv"));

        var textColumn = Array.IndexOf(rows[0], "text");
        Assert.Equal(6, rows.Count);
        Assert.Equal(["'=HYPERLINK(\"http://evil.example\",\"click\")", "'+1+1", "'-2", "'@SUM(A1:A2)", "plain, with \"quotes\"\nand a line"],
            rows.Skip(1).Select(r => r[textColumn]));
        Assert.All(rows.Skip(1).SelectMany(r => r), cell => Assert.False(cell.Length > 0 && "=+-@\t\r".Contains(cell[0]), cell));
        Assert.True(BundleVerifier.Verify(zip, [await app.KeyOfAsync(org.Id)]).Ok);
    }

    [Fact]
    public async Task An_eml_export_parses_with_MimeKit_and_with_Pythons_email_package()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var (bob, carol) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"));
        var channel = await org.Owner.CreateChannelAsync("deals", "private", bob, carol);
        var bytes = "%PDF-1.4 not really"u8.ToArray();
        var file = await bob.UploadOkAsync(channel.Id, bytes, "offre.pdf", "application/pdf");
        var root = await (await bob.SendWithFilesAsync(channel.Id, "L'offre signée", file.Id)).ReadAsync<MessageDto>(HttpStatusCode.Created);
        var reply = await carol.SendAsync(channel.Id, "Reçue, merci", threadRootId: root.Id);

        var zip = await BuiltAsync(officer, await ExportAsync(officer, new { criteria = new { conversationIds = new[] { channel.Id } }, format = "eml" }));
        var folder = Path.Combine(Path.GetTempPath(), $"parley-eml-{Guid.NewGuid():N}");
        _temp.Add(folder);
        ZipFile.ExtractToDirectory(zip, folder);
        var rootEml = Path.Combine(folder, "items", "eml", $"{channel.Id}-{root.Seq}.eml");
        var replyEml = Path.Combine(folder, "items", "eml", $"{channel.Id}-{reply.Seq}.eml");

        var first = await MimeMessage.LoadAsync(rootEml, Ct);
        var second = await MimeMessage.LoadAsync(replyEml, Ct);
        Assert.Equal(bob.Email, Assert.Single(first.From.Mailboxes).Address);
        Assert.Equal(new[] { org.Owner.Email, bob.Email, carol.Email }.Order(), first.To.Mailboxes.Select(m => m.Address).Order());
        Assert.Equal(root.CreatedAt.ToUnixTimeSeconds(), first.Date.ToUnixTimeSeconds());
        Assert.StartsWith("L'offre signée", first.TextBody!);
        var attachment = Assert.IsType<MimePart>(Assert.Single(first.Attachments));
        Assert.Equal("offre.pdf", attachment.FileName);
        using (var content = new MemoryStream())
        {
            await attachment.Content!.DecodeToAsync(content, Ct);
            Assert.Equal(bytes, content.ToArray());
        }
        Assert.Equal(first.MessageId, second.InReplyTo);
        Assert.Equal(first.MessageId, Assert.Single(second.References));

        var python = await PythonAsync(rootEml, replyEml);
        Assert.Equal($"{bob.Email}|{first.MessageId}|offre.pdf|{Convert.ToHexStringLower(SHA256.HashData(bytes))}", python[0]);
        Assert.Equal($"{carol.Email}|<{first.MessageId}>|<{first.MessageId}>|Reçue, merci", python[1]);
        Assert.True(BundleVerifier.Verify(zip, [await app.KeyOfAsync(org.Id)]).Ok);
    }

    [Fact]
    public async Task An_actiance_export_holds_every_version_deletion_reply_and_file_and_validates_with_dotnet_and_xmllint()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var (bob, carol, dave) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Dave"));
        var channel = await org.Owner.CreateChannelAsync("deals", "private", bob, carol, dave);
        var other = await org.Owner.CreateChannelAsync("général", "public", bob);
        var edited = await bob.SendAsync(channel.Id, "Prix : 100 €");
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var editedAt = app.Clock.GetUtcNow();
        await bob.EditAsync(channel.Id, edited.Id, "Prix : 120 € <révisé>");
        var elsewhere = await bob.SendAsync(other.Id, "Ailleurs, à côté");
        var bytes = "%PDF-1.4 not really"u8.ToArray();
        var file = await bob.UploadOkAsync(channel.Id, bytes, "offre finale.pdf", "application/pdf");
        var root = await (await bob.SendWithFilesAsync(channel.Id, "L'offre", file.Id)).ReadAsync<MessageDto>(HttpStatusCode.Created);
        await (await org.Owner.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{dave.Id}")).ShouldBe(HttpStatusCode.NoContent);
        const string hostile = "if a < b && c ]]> d\r\n\tthen « reçu »";
        var reply = await carol.SendAsync(channel.Id, hostile, threadRootId: root.Id);
        var gone = await carol.SendAsync(channel.Id, "à supprimer");
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var deletedAt = app.Clock.GetUtcNow();
        await carol.DeleteMessageAsync(channel.Id, gone.Id);
        // A name stored before names refused control characters reaches the export as the database holds it.
        await app.WithDbAsync(db => db.Conversations.Where(c => c.Id == channel.Id)
            .ExecuteUpdateAsync(x => x.SetProperty(c => c.Name, "deals\u0001 & <co>"), Ct));

        var asked = await ExportAsync(officer, new { criteria = new { conversationIds = new[] { channel.Id, other.Id } }, format = "actiance" });
        Assert.Equal("actiance", asked.Format);
        var zip = await BuiltAsync(officer, asked);

        var xml = EntryBytes(zip, "items/actiance.xml");
        using (var manifest = JsonDocument.Parse(Entry(zip, "manifest.json")))
        {
            Assert.Equal("actiance", manifest.RootElement.GetProperty("itemFormat").GetString());
            var item = Assert.Single(manifest.RootElement.GetProperty("items").EnumerateArray());
            Assert.Equal("items/actiance.xml", item.GetProperty("path").GetString());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(xml)), item.GetProperty("sha256").GetString());
            Assert.Equal(xml.Length, item.GetProperty("size").GetInt64());
        }
        var text = Encoding.UTF8.GetString(xml);
        Assert.Contains("]]&gt; d&#xD;\n", text);
        Assert.DoesNotContain('\u0001', text);
        Assert.Equal([], ValidateWithXmlSchemaSet(xml));
        var (lintExit, lintOutput) = await XmllintAsync(xml);
        Assert.True(lintExit == 0, lintOutput);

        var dump = XDocument.Parse(text);
        static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();
        static string[] Row(XElement e) => [e.Name.LocalName, .. e.HasElements ? e.Elements().Select(c => c.Value) : [e.Value]];
        var conversations = dump.Root!.Elements("Conversation").ToList();
        Assert.Equal(2, conversations.Count);
        var deals = conversations[0];
        Assert.Equal("deals\uFFFD & <co>", deals.Attribute("Perspective")!.Value);
        Assert.Equal($"private-channel - {channel.Id}", deals.Element("RoomID")!.Value);
        string[] Entered(Actor who, DateTimeOffset at) => ["ParticipantEntered", who.Email, "user", $"{Ms(at)}", who.Email];
        string[] Left(Actor who, DateTimeOffset at) => ["ParticipantLeft", who.Email, "user", $"{Ms(at)}", who.Email];
        string[] Message(MessageDto m, Actor by, string? type, DateTimeOffset? at, string content) =>
            [.. new[] { "Message", $"{m.Id}", by.Email, "user", $"{Ms(m.CreatedAt)}" }, .. type is null ? [] : new[] { type, $"{Ms(at!.Value)}" },
                content, .. m.ThreadRootId is { } r ? new[] { $"{r}" } : []];
        string[] Transfer(string element, params string[] status) =>
            [element, bob.Email, $"{Ms(root.CreatedAt)}", "offre finale.pdf", $"files/{Convert.ToHexStringLower(SHA256.HashData(bytes))}", .. status];
        string[][] expected =
        [
            ["RoomID", $"private-channel - {channel.Id}"],
            ["StartTimeUTC", $"{Ms(edited.CreatedAt)}"],
            .. new[] { org.Owner, bob, carol, dave }.Select(a => Entered(a, edited.CreatedAt)),
            Message(edited, bob, "EditedOriginalMsg", editedAt, "Prix : 100 €"),
            Message(edited, bob, "EditedNewMsg", editedAt, "Prix : 120 € <révisé>"),
            Message(root, bob, null, null, "L'offre"),
            Transfer("FileTransferStarted"),
            Transfer("FileTransferEnded", "Completed"),
            Left(dave, reply.CreatedAt),
            Message(reply, carol, null, null, hostile),
            Message(gone, carol, null, null, "à supprimer"),
            Message(gone, carol, "Deleted", deletedAt, "à supprimer"),
            .. new[] { org.Owner, bob, carol }.Select(a => Left(a, deletedAt)),
            ["EndTimeUTC", $"{Ms(deletedAt)}"],
        ];
        var actual = deals.Elements().Select(Row).ToList();
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], actual[i]);
        Assert.Equal(["général", $"{elsewhere.Id}"],
            [conversations[1].Attribute("Perspective")!.Value, conversations[1].Element("Message")!.Element("MessageId")!.Value]);
        Assert.Equal(bytes, EntryBytes(zip, $"files/{Convert.ToHexStringLower(SHA256.HashData(bytes))}"));

        var verdict = BundleVerifier.Verify(zip, [await app.KeyOfAsync(org.Id)]);
        Assert.True(verdict.Ok, verdict.Text);
        Assert.EndsWith("1 items checked", verdict.Text);
    }

    [Fact]
    public async Task An_export_cut_short_is_built_again_from_the_start_once_its_lease_runs_out()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        for (var i = 0; i < 5; i++)
            await bob.SendAsync(channel.Id, $"message {i}");
        var export = await ExportAsync(officer, new { criteria = new { conversationIds = new[] { channel.Id } }, format = "jsonl" });
        // A node took it, wrote part of it and died: its row says running, with a lease and half an archive left behind.
        var lease = app.Clock.GetUtcNow().AddMinutes(5);
        await app.WithDbAsync(db => db.DiscoveryExports.Where(x => x.Id == export.Id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.State, ExportState.Running).SetProperty(x => x.LeasedUntil, lease)
            .SetProperty(x => x.Attempts, 1).SetProperty(x => x.ItemsDone, 2).SetProperty(x => x.ItemsTotal, 5), Ct));
        Directory.CreateDirectory(Path.GetDirectoryName(app.ArchiveOf(export.Id))!);
        await File.WriteAllTextAsync(app.ArchiveOf(export.Id) + ".partial", "half an archive", Ct);

        await app.BuildExportsAsync();
        Assert.Equal("running", (await officer.GetOkAsync<DiscoveryExportDto>($"{Exports}/{export.Id}")).State);
        app.Clock.Advance(TimeSpan.FromMinutes(6));
        var zip = await BuiltAsync(officer, export);

        var done = await officer.GetOkAsync<DiscoveryExportDto>($"{Exports}/{export.Id}");
        Assert.Equal((5, (int?)5), (done.ItemsDone, done.ItemsTotal));
        Assert.Equal(5, Entry(zip, "items/messages.jsonl").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.False(File.Exists(app.ArchiveOf(export.Id) + ".partial"));
        Assert.True(BundleVerifier.Verify(zip, [await app.KeyOfAsync(org.Id)]).Ok);
    }

    [Fact]
    public async Task An_export_cut_short_too_many_times_fails_and_leaves_no_half_written_archive()
    {
        var org = await app.OrganizationAsync();
        var officer = await org.MemberAsync("Olga", "compliance");
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        await bob.SendAsync(channel.Id, "hello");
        var export = await ExportAsync(officer, new { criteria = new { conversationIds = new[] { channel.Id } }, format = "jsonl" });
        // Its third builder died too: the row says running, with a lease run out and half an archive left behind.
        var lease = app.Clock.GetUtcNow().AddMinutes(-1);
        await app.WithDbAsync(db => db.DiscoveryExports.Where(x => x.Id == export.Id).ExecuteUpdateAsync(s => s
            .SetProperty(x => x.State, ExportState.Running).SetProperty(x => x.LeasedUntil, lease).SetProperty(x => x.Attempts, 3), Ct));
        Directory.CreateDirectory(Path.GetDirectoryName(app.ArchiveOf(export.Id))!);
        await File.WriteAllTextAsync(app.ArchiveOf(export.Id) + ".partial", "half an archive", Ct);

        await app.BuildExportsAsync();

        var failed = await officer.GetOkAsync<DiscoveryExportDto>($"{Exports}/{export.Id}");
        Assert.Equal("failed", failed.State);
        Assert.Contains("3 times", failed.Error);
        Assert.False(File.Exists(app.ArchiveOf(export.Id) + ".partial"));
        Assert.False(File.Exists(app.ArchiveOf(export.Id)));
    }

    private static byte[] EntryBytes(string zip, string name)
    {
        using var archive = ZipFile.OpenRead(zip);
        using var content = new MemoryStream();
        using (var entry = archive.GetEntry(name)!.Open())
            entry.CopyTo(content);
        return content.ToArray();
    }

    private static string ActianceSchema => Path.Combine(Repository.Root(), "docs", "schemas", "actiance.xsd");

    /// <summary>Every error and warning .NET's schema validation reports for the document, against docs/schemas/actiance.xsd.</summary>
    private static List<string> ValidateWithXmlSchemaSet(byte[] document)
    {
        var schemas = new XmlSchemaSet();
        schemas.Add(null, ActianceSchema);
        var problems = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = schemas };
        settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
        settings.ValidationEventHandler += (_, e) => problems.Add($"{e.Severity} line {e.Exception.LineNumber}: {e.Message}");
        using var reader = XmlReader.Create(new MemoryStream(document), settings);
        while (reader.Read())
        {
        }
        return problems;
    }

    /// <summary>libxml2's verdict on the document against docs/schemas/actiance.xsd (Debian package libxml2-utils, installed by .ci/run).</summary>
    private async Task<(int ExitCode, string Output)> XmllintAsync(byte[] document)
    {
        var path = Path.Combine(Path.GetTempPath(), $"parley-actiance-{Guid.NewGuid():N}.xml");
        _temp.Add(path);
        await File.WriteAllBytesAsync(path, document, Ct);
        Process xmllint;
        try
        {
            xmllint = Process.Start(new ProcessStartInfo("xmllint", ["--noout", "--schema", ActianceSchema, path])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("xmllint is missing: install Debian's libxml2-utils (.ci/run does) to run this test.", e);
        }
        using (xmllint)
        {
            var output = xmllint.StandardOutput.ReadToEndAsync(Ct);
            var errors = await xmllint.StandardError.ReadToEndAsync(Ct);
            await xmllint.WaitForExitAsync(Ct);
            return (xmllint.ExitCode, await output + errors);
        }
    }

    /// <summary>A copy of the archive with one text replaced in one of its entries (a temporary file, deleted after the test).</summary>
    private async Task<string> CopyWithAsync(string zip, string entry, string from, string to)
    {
        var copy = Path.Combine(Path.GetTempPath(), $"parley-tampered-{Guid.NewGuid():N}.zip");
        _temp.Add(copy);
        File.Copy(zip, copy);
        using var archive = ZipFile.Open(copy, ZipArchiveMode.Update);
        var text = Entry(zip, entry).Replace(from, to, StringComparison.Ordinal);
        archive.GetEntry(entry)!.Delete();
        await using (var stream = await archive.CreateEntry(entry).OpenAsync(Ct))
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text), Ct);
        return copy;
    }

    private static async Task<(int ExitCode, string Output)> VerifyRecordPyAsync(string bundle, string key)
    {
        var start = new ProcessStartInfo("python3", [Path.Combine(Repository.Root(), "tools", "verify-record.py"), bundle, "--key", key])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync(Ct);
        var errors = await python.StandardError.ReadToEndAsync(Ct);
        await python.WaitForExitAsync(Ct);
        return (python.ExitCode, await output + errors);
    }

    /// <summary>What Python's standard email package reads in each file: sender, threading headers, attachment or text.</summary>
    private static async Task<string[]> PythonAsync(params string[] files)
    {
        const string script = """
            import sys, email, hashlib
            from email import policy
            for path in sys.argv[1:]:
                with open(path, 'rb') as f:
                    m = email.message_from_binary_file(f, policy=policy.default)
                sender = m['From'].addresses[0].addr_spec
                atts = [a for a in m.iter_attachments()]
                if atts:
                    a = atts[0]
                    print('|'.join([sender, m['Message-ID'].strip('<>'), a.get_filename(), hashlib.sha256(a.get_content()).hexdigest()]))
                else:
                    body = m.get_body(preferencelist=('plain',)).get_content().strip()
                    print('|'.join([sender, m['In-Reply-To'], m['References'], body]))
            """;
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var file in files)
            start.ArgumentList.Add(file);
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        var error = await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>An RFC 4180 reader, strict enough to fail on a quote out of place.</summary>
    private static List<string[]> ParseCsv(string csv)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var cell = new StringBuilder();
        for (var i = 0; i < csv.Length; i++)
        {
            var c = csv[i];
            if (c == '"' && cell.Length == 0)
            {
                for (i++; ; i++)
                {
                    if (csv[i] == '"' && i + 1 < csv.Length && csv[i + 1] == '"')
                        (cell, i) = (cell.Append('"'), i + 1);
                    else if (csv[i] == '"')
                        break;
                    else
                        cell.Append(csv[i]);
                }
                Assert.True(i + 1 >= csv.Length || csv[i + 1] is ',' or '\r', "a quoted cell ends at a comma or a line end");
            }
            else if (c == ',')
                (row, cell) = (Add(row, cell), new StringBuilder());
            else if (c == '\r' && csv[i + 1] == '\n')
            {
                rows.Add([.. Add(row, cell)]);
                (row, cell, i) = (new List<string>(), new StringBuilder(), i + 1);
            }
            else
                cell.Append(c);
        }
        return rows;

        static List<string> Add(List<string> row, StringBuilder cell)
        {
            row.Add(cell.ToString());
            return row;
        }
    }
}

public sealed class SqliteDiscoveryExportTests(SqliteDiscoveryApp app) : DiscoveryExportTests(app), IClassFixture<SqliteDiscoveryApp>;

public sealed class PostgresDiscoveryExportTests : DiscoveryExportTests, IClassFixture<PostgresDiscoveryApp>
{
    public PostgresDiscoveryExportTests(PostgresDiscoveryApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
