using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Parley.Server.Features.Records.Log;

namespace Parley.Tests.Log;

/// <summary>Canonical JSON, checked against Python's json.dumps(sort_keys, compact separators, ensure_ascii=False).</summary>
public class CanonicalJsonTests
{
    private static readonly string[] Tricky =
    [
        "", "plain", "quote \" and backslash \\ and slash /", "\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001f", "del \u007f",
        "emoji 😀👍🏽👨‍👩‍👧", "RTL עברית العربية \u202e override \u200f mark", "html <script>&amp;'x'</script>",
        "separators \u2028 \u2029 \u0085", "bom \ufeff", "nbsp \u00a0", "combining e\u0301", "cjk 漢字かな", "astral 𝄞 𐍈", "\"\\\"\\\\",
    ];

    [Fact]
    public void Hand_picked_documents_serialize_as_expected()
    {
        Assert.Equal("null", CanonicalJson.Serialize(null));
        Assert.Equal("""{"a":[1,-2,true,false,null,{}],"b":"x\ny\u0001\"\\/é😀","é":{"A":0,"z":[]}}""",
            CanonicalJson.Serialize(JsonNode.Parse("""{ "é": {"z": [], "A": -0}, "b": "x\ny\u0001\"\\\/\u00e9\ud83d\ude00", "a": [1, -2, true, false, null, {}] }""")));
        Assert.Equal("[9007199254740992,-9007199254740992,123456789012]",
            CanonicalJson.Serialize(new JsonArray(1L << 53, -(1L << 53), 123456789012L)));
        // UTF-16 code unit order (RFC 8785 §3.2.3): U+1F600 (D83D DE00) sorts before U+FB01.
        Assert.Equal("""{"😀":1,"ﬁ":2}""", CanonicalJson.Serialize(new JsonObject { ["\ufb01"] = 2, ["😀"] = 1 }));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("9007199254740993")]
    [InlineData("-9007199254740993")]
    [InlineData("12345678901234567890")]
    public void Numbers_other_than_safe_integers_are_refused(string number)
    {
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(JsonNode.Parse($"[{number}]")));
    }

    [Fact]
    public void Doubles_and_lone_surrogates_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(new JsonArray(0.25)));
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(JsonValue.Create("a\ud800b")));
        Assert.Throws<ArgumentException>(() => CanonicalJson.Serialize(new JsonObject { ["\udc00"] = 1 }));
    }

    [Fact]
    public async Task Output_equals_Python_json_dumps_for_many_documents()
    {
        var random = new Random(8785);
        var documents = new List<JsonNode?>
        {
            null, true, 0, -1, 9007199254740992, -9007199254740992, "", new JsonArray(), new JsonObject(),
            new JsonArray(new JsonArray(new JsonArray(new JsonArray()))),
            new JsonObject { ["b"] = 1, ["a"] = 2, ["B"] = 3, ["aa"] = 4, ["a b"] = 5, [""] = 6, ["é"] = 7, ["e"] = 8, ["\u0000"] = 9, ["~"] = 10 },
        };
        documents.AddRange(Tricky.Select(s => (JsonNode?)JsonValue.Create(s)));
        documents.Add(new JsonObject(Tricky.Select((s, i) => KeyValuePair.Create(s, (JsonNode?)JsonValue.Create(i)))));
        for (var i = 0; i < 300; i++) documents.Add(RandomNode(random, depth: 0));

        var inputs = documents.Select(d => d?.ToJsonString() ?? "null").ToList();   // System.Text.Json's own (ASCII-escaped) form
        var expected = await PythonDumps(inputs);

        Assert.Equal(documents.Count, expected.Count);
        for (var i = 0; i < documents.Count; i++)
            Assert.Equal(expected[i], CanonicalJson.Serialize(JsonNode.Parse(inputs[i])));
        for (var i = 0; i < documents.Count; i++)   // and the same from nodes built in code, not parsed
            Assert.Equal(expected[i], CanonicalJson.Serialize(documents[i]));
    }

    private static JsonNode? RandomNode(Random random, int depth) => random.Next(depth > 3 ? 4 : 7) switch
    {
        0 => null,
        1 => random.Next(2) == 0,
        2 => random.Next(3) switch { 0 => random.Next(-1000, 1000), 1 => random.NextInt64(-(1L << 53), (1L << 53) + 1), _ => (1L << 53) * (random.Next(2) * 2 - 1) },
        3 => RandomString(random),
        4 => new JsonArray(Enumerable.Range(0, random.Next(5)).Select(_ => RandomNode(random, depth + 1)).ToArray()),
        _ => RandomObject(random, depth),
    };

    private static JsonObject RandomObject(Random random, int depth)
    {
        var obj = new JsonObject();
        for (var i = random.Next(6); i > 0; i--) obj[RandomString(random, bmpOnly: true)] = RandomNode(random, depth + 1);
        return obj;
    }

    /// <summary>Keys stay in the BMP: for astral keys Python sorts by code point, RFC 8785 by UTF-16 unit.</summary>
    private static string RandomString(Random random, bool bmpOnly = false)
    {
        var text = new StringBuilder();
        for (var i = random.Next(8); i > 0; i--)
        {
            var piece = Tricky[random.Next(Tricky.Length)];
            if (piece.Length > 0)
            {
                var start = random.Next(piece.Length);
                if (char.IsLowSurrogate(piece[start])) start--;
                var length = Math.Min(piece.Length - start, random.Next(1, 4));
                if (char.IsHighSurrogate(piece[start + length - 1])) length = start + length < piece.Length ? length + 1 : length - 1;
                text.Append(piece, start, length);
            }
        }
        var s = text.ToString();
        return bmpOnly ? new string(s.Where(c => !char.IsSurrogate(c)).ToArray()) : s;
    }

    private static async Task<List<string>> PythonDumps(List<string> jsonDocuments)
    {
        const string script = """
            import json, sys
            for line in sys.stdin.read().split("\n"):
                print(json.dumps(json.loads(line), sort_keys=True, separators=(",", ":"), ensure_ascii=False))
            """;
        var start = new ProcessStartInfo("python3", ["-c", script])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false), StandardOutputEncoding = Encoding.UTF8,
        };
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var python = Process.Start(start)!;
        await python.StandardInput.WriteAsync(string.Join("\n", jsonDocuments));   // each is one line: S.T.J escapes controls
        python.StandardInput.Close();
        var output = await python.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = await python.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await python.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(python.ExitCode == 0, errors);
        return output.TrimEnd('\n').Split('\n').ToList();   // canonical output never holds a raw newline
    }
}
