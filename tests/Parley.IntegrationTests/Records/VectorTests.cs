extern alias cli;

using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using cli::Parley.Cli;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Records.Log;

namespace Parley.IntegrationTests.Records;

/// <summary>
/// The golden vectors of the record format (tests/vectors, see its README): a real export, and copies of it each with one
/// tampering and the FAIL line a verifier must give. Every run checks that <c>parley verify</c> accepts good/ and rejects
/// each bad/ case as expected.txt says. With <c>PARLEY_WRITE_VECTORS=1</c> the test first writes them again from a fresh
/// export of this server (then commit them: the Python verifier is tested against the same files).
/// </summary>
public sealed class VectorTests(SqliteApp app)
{
    private const string WriteSwitch = "PARLEY_WRITE_VECTORS";

    /// <summary>
    /// The vectors' signing key, published on purpose: its seed is SHA-256 of this text. Forged cases (a history that does not
    /// make sense, consistently hashed and signed) need a key that signs anything, and a test key is the honest way to have one.
    /// </summary>
    private const string KeySeedText = "parley record test vectors: never use this key for anything else";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly JsonSerializerOptions Lines = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task Parley_verify_accepts_the_good_vector_and_rejects_each_bad_one_as_expected()
    {
        var vectors = Path.Combine(Repository.Root(), "tests", "vectors");
        if (Environment.GetEnvironmentVariable(WriteSwitch) == "1")
            await WriteAsync(vectors);
        var key = File.ReadAllText(Path.Combine(vectors, "good", "key.txt")).Trim();

        var good = Run(Path.Combine(vectors, "good"), key);
        var partial = Run(Path.Combine(vectors, "partial"), key);
        var bad = Directory.GetDirectories(Path.Combine(vectors, "bad")).Order(StringComparer.Ordinal)
            .Select(folder => (Case: Path.GetFileName(folder), Expected: File.ReadAllText(Path.Combine(folder, "expected.txt")).Trim(), Got: Run(folder, key)))
            .ToList();

        Assert.True(good.Code == 0, good.Output);
        Assert.True(partial.Code == 0, partial.Output);
        Assert.Contains("partial bundle, each leaf proven in the tree: ", partial.Output);
        Assert.True(bad.Count >= 10, $"only {bad.Count} bad cases");
        Assert.All(bad, b =>
        {
            Assert.True(b.Got.Code == 1, $"{b.Case}: exit {b.Got.Code}: {b.Got.Output}");
            Assert.True(Names(b.Got.Output.Trim(), b.Expected), $"{b.Case}: expected {b.Expected}, got {b.Got.Output}");
        });
    }

    /// <summary>The FAIL line names the expected item: the prefix, then the end of the item (a space or a colon).</summary>
    private static bool Names(string line, string expected) =>
        !line.Contains('\n') && (line.StartsWith(expected + ":", StringComparison.Ordinal) || line.StartsWith(expected + " ", StringComparison.Ordinal));

    private static (int Code, string Output) Run(string bundle, string key)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = cli::Parley.Cli.Program.Run(["verify", bundle, "--key", key], output, error);
        return (code, output.ToString() + error);
    }


    private async Task WriteAsync(string vectors)
    {
        var (org, _, _) = await ExportTests.ActivityAsync(app);
        var response = await org.Owner.GetAsync("/api/v1/admin/record/export");
        await response.ShouldBe(HttpStatusCode.OK);
        if (Directory.Exists(vectors))
            Directory.Delete(vectors, recursive: true);
        var good = Path.Combine(vectors, "good");
        await using (var zip = await response.Content.ReadAsStreamAsync(Ct))
            ZipFile.ExtractToDirectory(zip, good);
        var signer = NoteSigner.Create(File.ReadAllText(Path.Combine(good, "checkpoint.note")).Split('\n')[0], SHA256.HashData(Encoding.UTF8.GetBytes(KeySeedText)));
        Reseal(good, signer);
        File.WriteAllText(Path.Combine(good, "keys.txt"), signer.VerifierKey + "\n");
        File.WriteAllText(Path.Combine(good, "key.txt"), signer.VerifierKey + "\n");

        var leaves = Leaf.All(good);
        var general = leaves.First(l => l.Kind == "conversation-created" && l.Data?["kind"]?.GetValue<string>() == "public-channel").Conversation;
        var deals = leaves.First(l => l.Kind == "conversation-created" && l.Data?["kind"]?.GetValue<string>() == "private-channel").Conversation;
        var uploads = leaves.Where(l => l.Kind == "file-uploaded").Select(l => l.Data!["sha256"]!.GetValue<string>()).Distinct().ToList();

        void Case(string name, string expected, Action<string> tamper, bool reseal = false)
        {
            var folder = Path.Combine(vectors, "bad", name);
            CopyFolder(good, folder);
            File.Delete(Path.Combine(folder, "key.txt"));
            tamper(folder);
            if (reseal)
                Reseal(folder, signer);
            File.WriteAllText(Path.Combine(folder, "expected.txt"), expected + "\n");
        }

        var other = NoteSigner.Create(signer.Name, SHA256.HashData(Encoding.UTF8.GetBytes("another key")));
        Case("checkpoint-signed-by-another-key", "FAIL checkpoint", f =>
        {
            var note = File.ReadAllText(Path.Combine(f, "checkpoint.note"));
            File.WriteAllText(Path.Combine(f, "checkpoint.note"), other.Sign(note[..(note.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)]));
        });
        var edited = leaves.Single(l => l.Content?.Contains("Kickoff at 9:30", StringComparison.Ordinal) == true);
        Case("changed-content", $"FAIL leaf {edited.Number}", f => Edit(f, edited.Number, l => l["content"] = l["content"]!.GetValue<string>().Replace("9:30", "9:31", StringComparison.Ordinal)));
        var posted = leaves.First(l => l.Conversation == general && l.Kind == "message-posted");
        var linked = leaves.First(l => l.Conversation == general && l.Index == posted.Index + 1);
        Case("changed-entry", $"FAIL leaf {linked.Number}", f => EditEntry(f, posted.Number, e => e["at"] = e["at"]!.GetValue<long>() + 1));
        var removed = leaves.First(l => l.Conversation == deals && l.Index == 3);
        Case("removed-line", $"FAIL leaf {removed.Number}", f => RewriteLines(f, lines => lines.Where((_, i) => i != removed.Number)));
        var swapped = leaves.First(l => l.Conversation == deals && l.Index == 4);
        Case("swapped-lines", $"FAIL leaf {swapped.Number}", f => RewriteLines(f, lines =>
        {
            var list = lines.ToList();
            (list[(int)swapped.Number], list[(int)swapped.Number + 1]) = (list[(int)swapped.Number + 1], list[(int)swapped.Number]);
            return list;
        }));
        var reply = leaves.Single(l => l.Content?.Contains("Sorry, 9 is fine", StringComparison.Ordinal) == true);
        Case("content-removed-without-erasure", $"FAIL leaf {reply.Number}", f => Edit(f, reply.Number, l => (l["content"], l["salt"]) = ((JsonNode?)null, (JsonNode?)null)));
        var last = leaves[^1];
        Case("last-entry-changed", "FAIL checkpoint", f => EditEntry(f, last.Number, e => e["at"] = e["at"]!.GetValue<long>() + 1));
        Case("files-exchanged", $"FAIL file {uploads[0]}", f =>
        {
            var (a, b) = (Path.Combine(f, "files", uploads[0]), Path.Combine(f, "files", uploads[1]));
            var bytesOfA = File.ReadAllBytes(a);
            File.WriteAllBytes(a, File.ReadAllBytes(b));
            File.WriteAllBytes(b, bytesOfA);
        });
        Case("file-changed", $"FAIL file {uploads[1]}", f =>
        {
            var path = Path.Combine(f, "files", uploads[1]);
            var bytes = File.ReadAllBytes(path);
            bytes[^1] ^= 1;
            File.WriteAllBytes(path, bytes);
        });
        Case("file-missing", $"FAIL file {uploads[0]}", f => File.Delete(Path.Combine(f, "files", uploads[0])));
        Case("earlier-checkpoint-not-a-prefix", "FAIL checkpoint", f =>
        {
            var path = Path.Combine(f, "checkpoints.jsonl");
            var line = JsonNode.Parse(File.ReadAllLines(path).Single())!;
            line["proof"]![0] = new string('0', 64);
            File.WriteAllText(path, line.ToJsonString(Lines) + "\n");
        });

        // partial/: the private channel's chain alone, as a discovery export carries it, each line with its inclusion proof.
        var partial = Path.Combine(vectors, "partial");
        WritePartial(good, partial, deals);
        File.Delete(Path.Combine(partial, "key.txt"));
        var partialLeaves = Leaf.All(partial);
        void PartialCase(string name, string expected, Action<string> tamper)
        {
            var folder = Path.Combine(vectors, "bad", name);
            CopyFolder(partial, folder);
            tamper(folder);
            File.WriteAllText(Path.Combine(folder, "expected.txt"), expected + "\n");
        }
        var proven = partialLeaves[2];
        PartialCase("partial-proof-changed", $"FAIL leaf {proven.Number}", f => EditNumber(f, proven.Number, l => l["proof"]![0] = new string('0', 64)));
        var dropped = partialLeaves[3];
        PartialCase("partial-chain-incomplete", $"FAIL leaf {partialLeaves[4].Number}",
            f => RewriteLines(f, lines => lines.Where(text => JsonNode.Parse(text)!["leaf"]!.GetValue<long>() != dropped.Number)));

        // Forged: a history that does not make sense, hashed, chained and signed consistently. Only point 6 catches these.
        var edit = leaves.Single(l => l.Kind == "message-edited");
        var someoneElse = leaves.First(l => l.Conversation == edit.Conversation && l.Kind == "message-posted" && l.Actor != edit.Actor).Actor;
        Case("forged-edit-by-someone-else", $"FAIL leaf {edit.Number}", f => EditEntry(f, edit.Number, e => e["actor"] = someoneElse), reseal: true);
        var deletion = leaves.First(l => l.Kind == "message-deleted" && l.Data!["bySender"]!.GetValue<bool>() == false);
        Case("forged-deleted-by-sender", $"FAIL leaf {deletion.Number}", f => EditEntry(f, deletion.Number, e => e["data"]!["bySender"] = true), reseal: true);
        var removedMember = leaves.First(l => l.Kind == "member-removed").Data!["user"]!.GetValue<string>();
        var laterPost = leaves.Last(l => l.Conversation == deals && l.Kind == "message-posted");
        Case("forged-post-by-a-removed-member", $"FAIL leaf {laterPost.Number}", f => EditEntry(f, laterPost.Number, e => e["actor"] = removedMember), reseal: true);
    }

    /// <summary>One line of leaves.jsonl, with the entry's fields a case needs.</summary>
    private sealed record Leaf(long Number, long? Conversation, long Index, string? Kind, string Actor, JsonNode? Data, string? Content)
    {
        public static List<Leaf> All(string folder) =>
        [
            .. File.ReadAllLines(Path.Combine(folder, "leaves.jsonl")).Select(text =>
            {
                var line = JsonNode.Parse(text)!;
                var e = JsonNode.Parse(line["entry"]!.GetValue<string>())!;
                return new Leaf(line["leaf"]!.GetValue<long>(), e["conversation"]?.GetValue<long>(), e["index"]!.GetValue<long>(),
                    e["kind"]?.GetValue<string>() ?? $"audit {e["action"]}", e["actor"]?.ToString() ?? "", e["data"]?.DeepClone(),
                    line["content"]?.GetValue<string>());
            }),
        ];
    }

    /// <summary>
    /// A partial bundle of one conversation, from a full one: that conversation's lines, each with its inclusion proof in
    /// the checkpoint's tree, the files it names, and the rest of the bundle as it is (the same signed checkpoint).
    /// </summary>
    private static void WritePartial(string full, string folder, long? conversation)
    {
        CopyFolder(full, folder);
        var lines = File.ReadAllLines(Path.Combine(full, "leaves.jsonl")).Select(text => JsonNode.Parse(text)!).ToList();
        var note = File.ReadAllText(Path.Combine(full, "checkpoint.note"));
        Assert.True(Checkpoint.TryParse(note[..(note.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)], out var checkpoint));
        var hashes = lines.Take((int)checkpoint!.Size).Select(l => Rfc9162.LeafHash(Encoding.UTF8.GetBytes(l["entry"]!.GetValue<string>()))).ToList();
        var kept = lines.Where(l => JsonNode.Parse(l["entry"]!.GetValue<string>())!["conversation"]?.GetValue<long>() == conversation).ToList();
        foreach (var line in kept)
            line["proof"] = new JsonArray([.. Rfc9162.InclusionProof(hashes, line["leaf"]!.GetValue<long>()).Select(h => (JsonNode?)Convert.ToHexStringLower(h))]);
        File.WriteAllText(Path.Combine(folder, "leaves.jsonl"), string.Concat(kept.Select(l => l.ToJsonString(Lines) + "\n")));
        var named = Leaf.All(folder).Where(l => l.Kind == "file-uploaded").Select(l => l.Data!["sha256"]!.GetValue<string>()).ToHashSet();
        foreach (var file in Directory.GetFiles(Path.Combine(folder, "files")).Where(f => !named.Contains(Path.GetFileName(f))))
            File.Delete(file);
    }

    /// <summary>Changes the line of leaf number <paramref name="leaf"/>, wherever it is in the file (a partial bundle skips leaves).</summary>
    private static void EditNumber(string folder, long leaf, Action<JsonNode> change) =>
        RewriteLines(folder, lines => lines.Select(text =>
        {
            var line = JsonNode.Parse(text)!;
            if (line["leaf"]!.GetValue<long>() != leaf)
                return text;
            change(line);
            return line.ToJsonString(Lines);
        }));

    private static void Edit(string folder, long leaf, Action<JsonNode> change) =>
        RewriteLines(folder, lines => lines.Select((text, i) =>
        {
            if (i != leaf)
                return text;
            var line = JsonNode.Parse(text)!;
            change(line);
            return line.ToJsonString(Lines);
        }));

    /// <summary>Changes an entry's fields and writes it back canonically, as the server would have.</summary>
    private static void EditEntry(string folder, long leaf, Action<JsonNode> change) => Edit(folder, leaf, line =>
    {
        var entry = JsonNode.Parse(line["entry"]!.GetValue<string>())!;
        change(entry);
        line["entry"] = CanonicalJson.Serialize(entry);
    });

    private static void RewriteLines(string folder, Func<IEnumerable<string>, IEnumerable<string>> change)
    {
        var path = Path.Combine(folder, "leaves.jsonl");
        File.WriteAllText(path, string.Concat(change(File.ReadAllLines(path)).Select(l => l + "\n")));
    }

    /// <summary>
    /// Makes a bundle consistent again after its entries changed: each version 2 entry links to the one before it in its
    /// chain, and the checkpoint and the earlier ones are signed anew over the roots of the leaves, with fresh proofs.
    /// </summary>
    private static void Reseal(string folder, NoteSigner signer)
    {
        var heads = new Dictionary<string, string>();
        var hashes = new List<byte[]>();
        RewriteLines(folder, lines => lines.Select(text =>
        {
            var line = JsonNode.Parse(text)!;
            var entry = JsonNode.Parse(line["entry"]!.GetValue<string>())!;
            var chain = entry["type"]!.GetValue<string>() == "audit" ? "audit" : $"conversation {entry["conversation"]}";
            if (entry["v"]!.GetValue<int>() == 2)
            {
                entry["previous"] = heads.GetValueOrDefault(chain, "");
                line["entry"] = CanonicalJson.Serialize(entry);
            }
            var hash = Rfc9162.LeafHash(Encoding.UTF8.GetBytes(line["entry"]!.GetValue<string>()));
            heads[chain] = entry["v"]!.GetValue<int>() == 2 ? Convert.ToHexStringLower(hash) : entry["hash"]!.GetValue<string>();
            hashes.Add(hash);
            return line.ToJsonString(Lines);
        }).ToList());

        string Signed(string note)
        {
            var body = note[..(note.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)];
            Assert.True(Checkpoint.TryParse(body, out var old));
            return signer.Sign(new Checkpoint(old!.Origin, old.Size, Rfc9162.RootOf(hashes.Take((int)old.Size).ToList()), []).Body());
        }
        var path = Path.Combine(folder, "checkpoint.note");
        File.WriteAllText(path, Signed(File.ReadAllText(path)));
        var earlier = Path.Combine(folder, "checkpoints.jsonl");
        File.WriteAllText(earlier, string.Concat(File.ReadAllLines(earlier).Where(l => l.Length > 0).Select(text =>
        {
            var line = JsonNode.Parse(text)!;
            var note = Signed(line["note"]!.GetValue<string>());
            Assert.True(Checkpoint.TryParse(note[..(note.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)], out var c));
            return new JsonObject
            {
                ["note"] = note,
                ["proof"] = new JsonArray([.. Rfc9162.ConsistencyProof(hashes, c!.Size).Select(h => (JsonNode?)Convert.ToHexStringLower(h))]),
            }.ToJsonString(Lines) + "\n";
        })));
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
