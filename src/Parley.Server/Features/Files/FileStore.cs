using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Platform;

namespace Parley.Server.Features.Files;

/// <summary>File limits and checks. Section "Parley:Files".</summary>
public sealed class FileOptions
{
    public const string Section = "Parley:Files";

    /// <summary>Largest file accepted, in bytes (default 100 MiB).</summary>
    [Range(1, long.MaxValue)] public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>How often <see cref="FileScrub"/> re-reads every stored file to check it (default a day; the first run is soon after start).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")] public TimeSpan ScrubInterval { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>
/// File storage in the data directory, outside the web root: each organization's files under its own folder, each
/// distinct content once per organization, under its SHA-256 (<c>files/{organizationId}/ab/cd/{sha256}</c>). Nothing is
/// shared across organizations, so one organization's files can be erased, or encrypted with its own key, on their own.
/// Uploads stream to a temporary file while hashing, so memory use does not grow with file size; a file appears at its
/// path whole or not at all (written, flushed to disk, then renamed).
/// </summary>
public sealed class FileStore(IOptions<StorageOptions> storage, IOptions<FileOptions> files, StorageHealth health)
{
    private const int BufferSize = 81920;

    internal string Root => Path.Combine(storage.Value.FullDataDirectory, "files");

    public long MaxFileBytes => files.Value.MaxFileBytes;

    public sealed record Saved(string Sha256, long Size);

    /// <summary>What is on disk for a file: whether it exists, and if so its hash and size.</summary>
    public sealed record Contents(bool Exists, string? Sha256, long? Size)
    {
        public static readonly Contents Missing = new(false, null, null);

        public bool Matches(string sha256, long size) => Exists && Sha256 == sha256 && Size == size;
    }

    public async Task<Saved> SaveAsync(Guid organizationId, Stream content, CancellationToken ct)
    {
        var temp = NewTempPath();
        try
        {
            long size = 0;
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
            {
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await content.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > MaxFileBytes)
                        throw new DomainException("file-too-large", $"Files are limited to {MaxFileBytes:N0} bytes.", 413);
                    sha.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), ct);
                }
                await output.FlushAsync(ct);
                output.Flush(flushToDisk: true);
            }
            var hash = Convert.ToHexStringLower(sha.GetHashAndReset());
            var final = PathOf(organizationId, hash);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            // Renamed into place even when the same content is there already: the fresh write time tells the scrub's
            // orphan sweep that these bytes are about to be named by a row, even if every row naming them now is erased.
            File.Move(temp, final, overwrite: true);
            health.Written(StorageArea.Files);
            return new Saved(hash, size);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    /// <summary>Opens a file without checking it; downloads use <see cref="OpenCheckedAsync"/>.</summary>
    public Stream OpenRead(Guid organizationId, string sha256) =>
        new FileStream(PathOf(organizationId, sha256), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);

    /// <summary>
    /// Opens a file and reads it whole to hash it, before anyone sees a byte. When it is what its row says (<paramref name="sha256"/>,
    /// <paramref name="size"/>) the open stream comes back rewound, so what is sent is what was checked (a file replaced on
    /// disk meanwhile does not change an open handle); otherwise no stream, and what was found.
    /// </summary>
    public async Task<(Stream? Content, Contents Found)> OpenCheckedAsync(Guid organizationId, string sha256, long size, CancellationToken ct)
    {
        var stream = TryOpen(PathOf(organizationId, sha256));
        if (stream is null)
            return (null, Contents.Missing);
        try
        {
            var found = await HashAsync(stream, ct);
            if (found.Matches(sha256, size))
            {
                stream.Position = 0;
                return (stream, found);
            }
            await stream.DisposeAsync();
            return (null, found);
        }
        catch (IOException)
        {
            await stream.DisposeAsync();
            return (null, Contents.Missing);                             // a read error: its bytes cannot be served
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>Hashes a stored file (for the scrub).</summary>
    public async Task<Contents> MeasureAsync(Guid organizationId, string sha256, CancellationToken ct)
    {
        await using var stream = TryOpen(PathOf(organizationId, sha256));
        try
        {
            return stream is null ? Contents.Missing : await HashAsync(stream, ct);
        }
        catch (IOException)
        {
            return Contents.Missing;
        }
    }

    /// <summary>Deletes an organization's bytes with this content, once no row that is not erased names them.</summary>
    public void Delete(Guid organizationId, string sha256) => File.Delete(PathOf(organizationId, sha256));

    /// <summary>Every stored content with its organization and path, in the per-organization layout, and leftover temporary files.</summary>
    internal (IEnumerable<(Guid OrganizationId, string Sha256, string Path)> Stored, IEnumerable<string> Temporary) Inventory()
    {
        var stored = Directory.Exists(Root)
            ? Directory.EnumerateDirectories(Root)
                .Select(folder => (Folder: folder, Id: Guid.TryParseExact(Path.GetFileName(folder), "D", out var id) ? id : Guid.Empty))
                .Where(o => o.Id != Guid.Empty)
                .SelectMany(o => Directory.EnumerateFiles(o.Folder, "*", SearchOption.AllDirectories)
                    .Where(path => Path.GetFileName(path) is { Length: 64 } name && name.All(char.IsAsciiHexDigitLower))
                    .Select(path => (o.Id, Path.GetFileName(path), path)))
            : [];
        var temporary = Path.Combine(Root, "tmp");
        return (stored, Directory.Exists(temporary) ? Directory.EnumerateFiles(temporary) : []);
    }

    /// <summary>Where a file of this organization with this content lives.</summary>
    internal string PathOf(Guid organizationId, string sha256) =>
        Path.Combine(Root, organizationId.ToString("D"), CheckedDigest(sha256)[..2], sha256[2..4], sha256);

    /// <summary>Where the content lived before files were kept per organization (see <see cref="FileLayoutMigration"/>).</summary>
    internal string LegacyPathOf(string sha256) => Path.Combine(Root, CheckedDigest(sha256)[..2], sha256[2..4], sha256);

    /// <summary>A new, unused path on the same volume as the store, so a finished file is renamed into place, never copied.</summary>
    internal string NewTempPath()
    {
        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
        return Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N"));
    }

    internal static async Task<Contents> HashAsync(Stream stream, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long size = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            size += read;
            sha.AppendData(buffer, 0, read);
        }
        return new Contents(true, Convert.ToHexStringLower(sha.GetHashAndReset()), size);
    }

    /// <summary>The file opened for reading, or null when it is not there or cannot be read (to a reader, the same: "missing").</summary>
    private static FileStream? TryOpen(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string CheckedDigest(string sha256) =>
        sha256.Length == 64 && sha256.All(char.IsAsciiHexDigitLower)
            ? sha256
            : throw new ArgumentException("Not a SHA-256 hex digest.", nameof(sha256));
}
