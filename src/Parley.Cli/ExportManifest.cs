using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Server.Features.Records.Log;

namespace Parley.Cli;

/// <summary>
/// A discovery export's manifest (docs/record-format.md, "A discovery export"): <c>manifest.sig</c> is a signed note, by a
/// trusted key, whose body names the export format, the log's origin, the export and the SHA-256 of <c>manifest.json</c>;
/// each item the manifest lists is in the archive with that hash and size. Returns the summary line, or the failure
/// (<c>item &lt;path&gt;</c> names a tampered or missing item).
/// </summary>
internal static class ExportManifest
{
    public const string Format = "parley-discovery-export/1";

    public static (string? Item, string Text) Check(Bundle bundle, IReadOnlyList<string> keys, string origin)
    {
        using var manifestStream = bundle.Open("manifest.json");
        if (manifestStream is null)
            return (null, "");
        var manifest = ReadAll(manifestStream);
        using var sigStream = bundle.Open("manifest.sig");
        if (sigStream is null)
            return ("manifest", "manifest.json is not signed: manifest.sig is missing");
        var check = NoteVerifier.Verify(Encoding.UTF8.GetString(ReadAll(sigStream)), keys);
        if (!check.Valid)
            return ("manifest", $"manifest.sig: {check.Problem}");
        var lines = check.Body!.Split('\n');
        if (lines.Length < 4 || lines[0] != Format)
            return ("manifest", $"manifest.sig does not sign a {Format} manifest");
        if (lines[1] != origin)
            return ("manifest", $"manifest.sig names the log {lines[1]}, the bundle is {origin}");
        var digest = Convert.ToHexStringLower(SHA256.HashData(manifest));
        if (lines[3] != digest)
            return ("manifest", $"manifest.json hashes to {digest}, manifest.sig signed {lines[3]}");

        List<(string Path, string Sha256, long Size)> items;
        try
        {
            using var doc = JsonDocument.Parse(manifest);
            if (doc.RootElement.GetProperty("format").GetString() != Format || doc.RootElement.GetProperty("export").GetString() != lines[2])
                return ("manifest", "manifest.json is not the manifest manifest.sig names");
            items = [.. doc.RootElement.GetProperty("items").EnumerateArray()
                .Select(i => (i.GetProperty("path").GetString()!, i.GetProperty("sha256").GetString()!, i.GetProperty("size").GetInt64()))];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return ("manifest", $"manifest.json does not parse ({e.Message})");
        }
        foreach (var (path, sha256, size) in items)
        {
            if (!path.StartsWith("items/", StringComparison.Ordinal) || path.Contains("..", StringComparison.Ordinal))
                return ($"item {path}", "not under items/");
            using var item = bundle.Open(path);
            if (item is null)
                return ($"item {path}", "missing from the export");
            var (length, found) = BundleVerifier.Measure(item);
            if (length != size || found != sha256)
                return ($"item {path}", $"{length} bytes hashing to {found}; the manifest says {size} bytes hashing to {sha256}");
        }
        return (null, $"export {lines[2]}: manifest signed by {check.SignedBy}, {items.Count} items checked");
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
