using System.IO.Compression;

namespace Parley.Cli;

/// <summary>The bundle cannot be read at all: not a verdict on the record, so <c>parley verify</c> exits 2, not 1.</summary>
public sealed class BundleUnreadableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The files of an export bundle (docs/record-format.md, "The export bundle"), from a folder or a ZIP archive of one.
/// Names are the bundle's own (<c>leaves.jsonl</c>, <c>files/&lt;sha256&gt;</c>), never a path from the bundle's content.
/// </summary>
internal abstract class Bundle : IDisposable
{
    /// <summary>The file, or null when the bundle has none of that name.</summary>
    public abstract Stream? Open(string name);

    public virtual void Dispose() { }

    public static Bundle At(string path)
    {
        if (Directory.Exists(path))
            return new FolderBundle(path);
        if (!File.Exists(path))
            throw new BundleUnreadableException($"{path}: no such folder or file");
        try
        {
            return new ZipBundle(ZipFile.OpenRead(path));
        }
        catch (InvalidDataException e)
        {
            throw new BundleUnreadableException($"{path}: neither a folder nor a ZIP archive ({e.Message})", e);
        }
    }

    private sealed class FolderBundle(string folder) : Bundle
    {
        public override Stream? Open(string name)
        {
            var path = Path.Combine(folder, name);
            return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920) : null;
        }
    }

    /// <summary>A ZIP of the bundle's files, at its root or in one folder (as zipping the bundle's folder gives).</summary>
    private sealed class ZipBundle : Bundle
    {
        private readonly ZipArchive _zip;
        private readonly string _prefix;

        public ZipBundle(ZipArchive zip)
        {
            _zip = zip;
            if (zip.GetEntry("bundle.json") is not null)
                _prefix = "";
            else
            {
                var found = zip.Entries.Where(e => e.FullName.EndsWith("/bundle.json", StringComparison.Ordinal)
                    && e.FullName.Count(c => c == '/') == 1).ToList();
                _prefix = found.Count == 1 ? found[0].FullName[..^"bundle.json".Length] : "";
            }
        }

        public override Stream? Open(string name) => _zip.GetEntry(_prefix + name)?.Open();

        public override void Dispose() => _zip.Dispose();
    }
}
