extern alias cli;

using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using cli::Parley.Cli;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Records;
using Parley.Server.Features.Records.Log;
using static Parley.IntegrationTests.Infrastructure.MessageHelpers;

namespace Parley.IntegrationTests.Records;

/// <summary>
/// The export bundle of an organization with real activity, checked by <c>parley verify</c> (the offline verifier, which
/// shares only the record library's source with the server): it verifies with the organization's key, and each kind of
/// tampering, done on the unzipped folder, is named by the first FAIL line.
/// </summary>
public abstract class ExportTests(ParleyApp app) : IDisposable
{
    private readonly List<string> _copies = [];

    public void Dispose()
    {
        foreach (var copy in _copies)
            if (Directory.Exists(copy))
                Directory.Delete(copy, recursive: true);
            else
                File.Delete(copy);
        GC.SuppressFinalize(this);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_export_verifies_with_the_organizations_key_as_a_zip_and_as_a_folder()
    {
        var export = await ExportOnceAsync();

        var zip = BundleVerifier.Verify(export.Zip, [export.Key]);
        var folder = BundleVerifier.Verify(export.Folder, [export.Key]);

        Assert.True(zip.Ok, zip.Text);
        Assert.True(folder.Ok, folder.Text);
        Assert.StartsWith($"OK organization {export.Org.Id}", zip.Text);
        Assert.Contains($"tree size {export.Size},", zip.Text);
        Assert.Contains("4 conversations", zip.Text);
        Assert.Contains("2 files checked", zip.Text);
        Assert.Contains("1 earlier checkpoints consistent", zip.Text);
        Assert.Equal([export.Key], File.ReadAllLines(Path.Combine(export.Folder, "keys.txt")));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(export.Folder, "files")).Length);
    }

    [Fact]
    public async Task The_export_is_a_named_zip_for_admins_only_and_is_audited()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        await bob.SendAsync((await org.Owner.CreateChannelAsync("general", "public", bob)).Id, "hello");

        var refused = await bob.GetAsync("/api/v1/admin/record/export");
        var response = await org.Owner.GetAsync("/api/v1/admin/record/export");

        await refused.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await response.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        var size = await app.WithDbAsync(db => db.Checkpoints.Where(c => c.OrganizationId == org.Id).MaxAsync(c => c.Size, Ct));
        Assert.Equal($"parley-record-{org.Id}-{size}.zip", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync(Ct));
        Assert.Equal(["bundle.json", "checkpoint.note", "checkpoints.jsonl", "keys.txt", "leaves.jsonl"],
            zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        var audit = await org.Owner.GetOkAsync<List<Parley.Server.Features.AuditLog.AuditEventDto>>("/api/v1/admin/audit?action=RecordExported");
        Assert.Equal(org.Owner.Id, Assert.Single(audit).ActorId);
    }

    [Fact]
    public async Task The_export_of_a_tampered_database_says_what_was_tampered_with()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("general", "public", bob);
        var hello = await bob.SendAsync(channel.Id, "hello");
        await bob.SendAsync(channel.Id, "still here");
        Assert.Equal(1, await app.WithDbAsync(db => db.RecordEntries.Where(r => r.ConversationId == channel.Id && r.MessageSeq == hello.Seq)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Content, (string?)null).SetProperty(r => r.Salt, (string?)null), Ct)));

        var response = await org.Owner.GetAsync("/api/v1/admin/record/export");

        await response.ShouldBe(HttpStatusCode.OK);
        var zip = Path.Combine(Path.GetTempPath(), $"parley-tampered-{Guid.NewGuid():N}.zip");
        _copies.Add(zip);
        await File.WriteAllBytesAsync(zip, await response.Content.ReadAsByteArrayAsync(Ct), Ct);
        var key = await app.WithDbAsync(db => db.SigningKeys.Where(k => k.OrganizationId == org.Id).Select(k => k.VerifierKey).SingleAsync(Ct));
        var verdict = BundleVerifier.Verify(zip, [key]);
        Assert.Matches($@"^FAIL leaf \d+ \(conversation {channel.Id}, entry \d+\): its content is missing and no erasure entry says it was erased$", verdict.Text);
    }

    [Fact]
    public async Task Another_key_does_not_verify_it()
    {
        var export = await ExportOnceAsync();

        var verdict = BundleVerifier.Verify(export.Folder, [OtherKey().VerifierKey]);

        Assert.False(verdict.Ok);
        Assert.StartsWith("FAIL checkpoint: not signed by a trusted key", verdict.Text);
    }

    [Fact]
    public async Task A_checkpoint_signed_by_another_key_is_refused()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var note = File.ReadAllText(Path.Combine(folder, "checkpoint.note"));
        var other = OtherKey();
        File.WriteAllText(Path.Combine(folder, "checkpoint.note"), other.Sign(note[..(note.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)]));

        var trusted = BundleVerifier.Verify(folder, [export.Key]);
        var forger = BundleVerifier.Verify(folder, [other.VerifierKey]);

        Assert.Equal((false, "FAIL checkpoint: not signed by a trusted key"), (trusted.Ok, trusted.Text[..44]));
        Assert.True(forger.Ok, "only the key the user trusts tells the two apart: " + forger.Text);
    }

    [Fact]
    public async Task The_independent_python_verifier_accepts_the_real_export_and_names_the_same_tampered_leaf()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var leaf = EditLine(folder, l => l.Content?.Contains("Kickoff at 9:30", StringComparison.Ordinal) == true,
            line => line.Replace("Kickoff at 9:30", "Kickoff at 9:31", StringComparison.Ordinal));

        var good = await PythonVerifyAsync(export.Zip, export.Key);
        var bad = await PythonVerifyAsync(folder, export.Key);

        Assert.True(good.ExitCode == 0, good.Output);
        Assert.Contains(export.Org.Id.ToString(), good.Output);
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith($"FAIL leaf {leaf.Number}", bad.Output.Trim());
        Assert.StartsWith($"FAIL leaf {leaf.Number}", BundleVerifier.Verify(folder, [export.Key]).Text);
    }

    private static async Task<(int ExitCode, string Output)> PythonVerifyAsync(string bundle, string key)
    {
        var start = new System.Diagnostics.ProcessStartInfo("python3", [Path.Combine(Repository.Root(), "tools", "verify-record.py"), bundle, "--key", key])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = System.Diagnostics.Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync(Ct);
        var errors = await python.StandardError.ReadToEndAsync(Ct);
        await python.WaitForExitAsync(Ct);
        return (python.ExitCode, await output + errors);
    }


    [Fact]
    public async Task A_changed_byte_in_an_opening_names_its_leaf()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var leaf = EditLine(folder, l => l.Content?.Contains("Kickoff at 9:30", StringComparison.Ordinal) == true,
            line => line.Replace("Kickoff at 9:30", "Kickoff at 9:31", StringComparison.Ordinal));

        var verdict = BundleVerifier.Verify(folder, [export.Key]);

        Assert.Equal($"FAIL leaf {leaf.Number} (conversation {export.General}, entry {leaf.Index}): its content does not match its commitment", verdict.Text);
    }

    [Fact]
    public async Task A_changed_byte_in_an_entry_is_caught_where_its_chain_links_to_it()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var leaves = Leaves(folder);
        var changed = leaves.First(l => l.Conversation == export.General && l.Kind == "message-posted");
        var next = leaves.First(l => l.Conversation == export.General && l.Index == changed.Index + 1);
        EditLine(folder, l => l.Number == changed.Number, line => line.Replace("\\\"at\\\":1", "\\\"at\\\":2", StringComparison.Ordinal));

        var verdict = BundleVerifier.Verify(folder, [export.Key]);

        Assert.StartsWith($"FAIL leaf {next.Number} (conversation {export.General}, entry {next.Index}): does not link to the entry before it", verdict.Text);
    }

    [Fact]
    public async Task A_removed_line_names_the_missing_leaf()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var removed = Leaves(folder).First(l => l.Conversation == export.Deals && l.Index == 3);
        RewriteLines(folder, lines => lines.Where((_, i) => i != removed.Number));

        var verdict = BundleVerifier.Verify(folder, [export.Key]);

        Assert.Equal($"FAIL leaf {removed.Number} (conversation {export.Deals}, entry 3): entry 3 is missing", verdict.Text);
    }

    [Fact]
    public async Task Two_swapped_lines_name_the_first_of_them()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var first = Leaves(folder).First(l => l.Conversation == export.Deals && l.Index == 4);
        RewriteLines(folder, lines =>
        {
            var list = lines.ToList();
            (list[(int)first.Number], list[(int)first.Number + 1]) = (list[(int)first.Number + 1], list[(int)first.Number]);
            return list;
        });

        var verdict = BundleVerifier.Verify(folder, [export.Key]);

        Assert.False(verdict.Ok);
        Assert.Matches($"^FAIL leaf {first.Number}[ :]", verdict.Text);
    }

    [Fact]
    public async Task An_opening_removed_without_an_erasure_entry_is_caught()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var leaf = EditLine(folder, l => l.Content?.Contains("Sorry, 9 is fine", StringComparison.Ordinal) == true, line =>
        {
            var node = JsonNode.Parse(line)!;
            node["content"] = null;
            node["salt"] = null;
            return node.ToJsonString();
        });

        var verdict = BundleVerifier.Verify(folder, [export.Key]);

        Assert.Equal($"FAIL leaf {leaf.Number} (conversation {export.General}, entry {leaf.Index}): its content is missing and no erasure entry says it was erased",
            verdict.Text);
    }

    [Fact]
    public async Task Two_files_with_their_bytes_exchanged_are_named()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var (a, b) = (Path.Combine(folder, "files", export.Files[0]), Path.Combine(folder, "files", export.Files[1]));
        var bytesOfA = File.ReadAllBytes(a);
        File.WriteAllBytes(a, File.ReadAllBytes(b));
        File.WriteAllBytes(b, bytesOfA);

        var verdict = BundleVerifier.Verify(folder, [export.Key]);

        Assert.Matches($"^FAIL file ({export.Files[0]}|{export.Files[1]}): ", verdict.Text);
    }

    [Fact]
    public async Task A_file_with_changed_bytes_is_named()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var path = Path.Combine(folder, "files", export.Files[0]);
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 1;
        File.WriteAllBytes(path, bytes);

        var verdict = BundleVerifier.Verify(folder, [export.Key]);

        Assert.StartsWith($"FAIL file {export.Files[0]}: its bytes hash to ", verdict.Text);
    }

    [Fact]
    public async Task An_earlier_checkpoint_that_is_not_a_prefix_is_caught()
    {
        var export = await ExportOnceAsync();
        var folder = Copy(export);
        var path = Path.Combine(folder, "checkpoints.jsonl");
        var line = JsonNode.Parse(File.ReadAllLines(path).Single())!;
        var proof = line["proof"]!.AsArray();
        proof[0] = new string('0', 64);
        File.WriteAllText(path, line.ToJsonString() + "\n");

        var verdict = BundleVerifier.Verify(folder, [export.Key]);

        Assert.StartsWith("FAIL checkpoint: checkpoints.jsonl line 1: the consistency proof from size ", verdict.Text);
    }

    [Fact]
    public async Task Parley_verify_exits_0_1_or_2()
    {
        var export = await ExportOnceAsync();
        var keyFile = Path.Combine(Path.GetTempPath(), $"parley-key-{Guid.NewGuid():N}.txt");
        File.WriteAllText(keyFile, $"# the organization's key\n{export.Key}\n");

        var ok = Run(["verify", export.Zip, "--key-file", keyFile]);
        var fail = Run(["verify", export.Zip, "--key", OtherKey().VerifierKey]);
        var noKey = Run(["verify", export.Zip]);
        var badKey = Run(["verify", export.Zip, "--key", "not-a-key"]);
        var missing = Run(["verify", Path.Combine(export.Folder, "nothing-here"), "--key", export.Key]);
        var notZip = Run(["verify", keyFile, "--key", export.Key]);

        Assert.Equal(0, ok.Code);
        Assert.StartsWith("OK organization", ok.Output);
        Assert.Equal(1, fail.Code);
        Assert.StartsWith("FAIL checkpoint:", fail.Output);
        Assert.Equal("", fail.Error);
        Assert.All([noKey, badKey, missing, notZip], r => Assert.Equal((2, ""), (r.Code, r.Output)));
        Assert.All([noKey, badKey, missing, notZip], r => Assert.StartsWith("error: ", r.Error));
    }

    private static (int Code, string Output, string Error) Run(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = cli::Parley.Cli.Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static NoteSigner OtherKey() => NoteSigner.Create("parley/" + Guid.NewGuid(), NoteSigner.GenerateKey().seed);

    /// <summary>An export of one organization's activity, made once per test class and engine; tests tamper with copies.</summary>
    public sealed record Export(Org Org, string Zip, string Folder, string Key, long Size, long General, long Deals, IReadOnlyList<string> Files);

    private static readonly Dictionary<ParleyApp, Task<Export>> Exports = [];

    private Task<Export> ExportOnceAsync()
    {
        lock (Exports)
            return Exports.TryGetValue(app, out var export) ? export : Exports[app] = ExportAsync();
    }

    private async Task<Export> ExportAsync()
    {
        var (org, general, deals) = await ActivityAsync(app);
        var response = await org.Owner.GetAsync("/api/v1/admin/record/export");
        await response.ShouldBe(HttpStatusCode.OK);
        var zip = Path.Combine(Path.GetTempPath(), $"parley-export-{Guid.NewGuid():N}.zip");
        await File.WriteAllBytesAsync(zip, await response.Content.ReadAsByteArrayAsync(Ct), Ct);
        var folder = zip[..^4];
        ZipFile.ExtractToDirectory(zip, folder);
        var key = await app.WithDbAsync(db => db.SigningKeys.Where(k => k.OrganizationId == org.Id).Select(k => k.VerifierKey).SingleAsync(Ct));
        var size = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "bundle.json"))).RootElement.GetProperty("size").GetInt64();
        var files = Directory.GetFiles(Path.Combine(folder, "files")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        return new Export(org, zip, folder, key, size, general, deals, files!);
    }

    /// <summary>
    /// Five conversations of an organization, with every kind of entry the API writes: channels created, joined and left,
    /// members added, removed and promoted, posts, a reply, an edit, reactions added and removed, deletions by the sender
    /// and by a moderator, files uploaded and sent (one content twice), a direct and a group conversation, a checkpoint
    /// half way, and a message erased by a legal request.
    /// </summary>
    public static async Task<(Org Org, long General, long Deals)> ActivityAsync(ParleyApp app)
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;
        var (bob, carol, dave) = (await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Dave"));

        var general = await alice.CreateChannelAsync("general", "public", bob, carol);
        var kickoff = await alice.SendAsync(general.Id, "Kickoff at 9");
        var move = await bob.SendAsync(general.Id, "Can we move it?");
        await bob.SendAsync(general.Id, "Sorry, 9 is fine", threadRootId: kickoff.Id);
        await alice.EditAsync(general.Id, kickoff.Id, "Kickoff at 9:30");
        await (await carol.PutAsync(ReactionAt(general.Id, kickoff.Id, "👍"))).ShouldBe(HttpStatusCode.OK);
        await (await bob.PutAsync(ReactionAt(general.Id, move.Id, "🎉"))).ShouldBe(HttpStatusCode.OK);
        await (await bob.DeleteAsync(ReactionAt(general.Id, move.Id, "🎉"))).ShouldBe(HttpStatusCode.OK);
        await bob.DeleteMessageAsync(general.Id, move.Id);
        await (await dave.PostAsync($"/api/v1/conversations/{general.Id}/join")).ShouldBe(HttpStatusCode.OK);
        await dave.SendAsync(general.Id, "Hi all, <b>Dave</b> here: **bold** & `code`");
        var secret = await dave.SendAsync(general.Id, "My phone is 555-0100");
        await (await dave.PostAsync($"/api/v1/conversations/{general.Id}/leave")).ShouldBe(HttpStatusCode.NoContent);
        await app.Services.GetRequiredService<RecordSequencer>().CheckpointAsync(org.Id, Ct);

        var deals = await alice.CreateChannelAsync("deals", "private", bob);
        await (await alice.PostAsync($"/api/v1/conversations/{deals.Id}/members", new { userId = carol.Id })).ShouldBe(HttpStatusCode.OK);
        await (await alice.PostAsync($"/api/v1/conversations/{deals.Id}/members", new { userId = dave.Id })).ShouldBe(HttpStatusCode.OK);
        await (await alice.PutAsync($"/api/v1/conversations/{deals.Id}/members/{carol.Id}/role", new { role = "moderator" })).ShouldBe(HttpStatusCode.OK);
        await (await alice.DeleteAsync($"/api/v1/conversations/{deals.Id}/members/{dave.Id}")).ShouldBe(HttpStatusCode.NoContent);
        var report = await bob.UploadOkAsync(deals.Id, Encoding.UTF8.GetBytes("Q3 numbers: 1, 2, 3\n"), "q3.txt");
        var sent = await (await bob.SendWithFilesAsync(deals.Id, "Q3 attached", report.Id)).ReadAsync<Parley.Server.Features.Messages.MessageDto>(HttpStatusCode.Created);
        await carol.DeleteMessageAsync(deals.Id, sent.Id);
        var picture = await alice.UploadOkAsync(deals.Id, [0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4], "chart.png", "image/png");
        await (await alice.SendWithFilesAsync(deals.Id, "The chart", picture.Id)).ShouldBe(HttpStatusCode.Created);

        var direct = await alice.OpenDirectAsync(bob);
        await alice.SendAsync(direct.Id, "ping");
        var again = await bob.UploadOkAsync(direct.Id, Encoding.UTF8.GetBytes("Q3 numbers: 1, 2, 3\n"), "q3-copy.txt");
        await (await bob.SendWithFilesAsync(direct.Id, "pong, and the numbers again", again.Id)).ShouldBe(HttpStatusCode.Created);
        var group = await alice.OpenDirectAsync(bob, carol);
        await carol.SendAsync(group.Id, "Lunch?");

        var erased = await app.WithDbAsync(db => db.EraseMessageAsync(org.Id, general.Id, secret.Seq, ErasureReason.LegalRequest, "GDPR-17",
            alice.Id, DateTimeOffset.UtcNow, Ct));
        Assert.NotNull(erased);
        return (org, general.Id, deals.Id);
    }

    private sealed record Line(long Number, long? Conversation, long Index, string? Kind, string? Content);

    private static string LeavesOf(string folder) => Path.Combine(folder, "leaves.jsonl");

    private static List<Line> Leaves(string folder) =>
    [
        .. File.ReadAllLines(LeavesOf(folder)).Select(text =>
        {
            var line = JsonDocument.Parse(text).RootElement;
            var entry = JsonDocument.Parse(line.GetProperty("entry").GetString()!).RootElement;
            return new Line(line.GetProperty("leaf").GetInt64(),
                entry.TryGetProperty("conversation", out var c) ? c.GetInt64() : null, entry.GetProperty("index").GetInt64(),
                entry.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null,
                line.GetProperty("content").GetString());
        }),
    ];

    /// <summary>Changes the one line that matches; returns it as it was.</summary>
    private static Line EditLine(string folder, Func<Line, bool> which, Func<string, string> change)
    {
        var target = Leaves(folder).Single(which);
        RewriteLines(folder, lines => lines.Select((text, i) => i == target.Number ? Changed(text, change) : text));
        return target;
    }

    private static string Changed(string text, Func<string, string> change)
    {
        var changed = change(text);
        Assert.NotEqual(text, changed);
        return changed;
    }

    private static void RewriteLines(string folder, Func<IEnumerable<string>, IEnumerable<string>> change) =>
        File.WriteAllText(LeavesOf(folder), string.Concat(change(File.ReadAllLines(LeavesOf(folder))).Select(l => l + "\n")));

    private string Copy(Export export)
    {
        var copy = Path.Combine(Path.GetTempPath(), $"parley-tampered-{Guid.NewGuid():N}");
        _copies.Add(copy);
        foreach (var file in Directory.GetFiles(export.Folder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(export.Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return copy;
    }
}

public sealed class SqliteExportTests(SqliteApp app) : ExportTests(app);

public sealed class PostgresExportTests : ExportTests
{
    public PostgresExportTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
