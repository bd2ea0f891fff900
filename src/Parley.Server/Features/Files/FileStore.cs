using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Platform;

namespace Parley.Server.Features.Files;

/// <summary>File limits. Section "Parley:Files".</summary>
public sealed class FileOptions
{
    public const string Section = "Parley:Files";

    /// <summary>Largest file accepted, in bytes (default 100 MiB).</summary>
    [Range(1, long.MaxValue)] public long MaxFileBytes { get; set; } = 100L * 1024 * 1024;
}

/// <summary>
/// Content-addressed file storage in the data directory, outside the web root: each distinct content is kept once,
/// under its SHA-256. Uploads stream to a temporary file while hashing, so memory use does not grow with file size.
/// </summary>
public sealed class FileStore(IOptions<StorageOptions> storage, IOptions<FileOptions> files, StorageHealth health)
{
    private string Root => Path.Combine(storage.Value.FullDataDirectory, "files");

    public long MaxFileBytes => files.Value.MaxFileBytes;

    public sealed record Saved(string Sha256, long Size);

    public async Task<Saved> SaveAsync(Stream content, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
        var temp = Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N"));
        try
        {
            long size = 0;
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
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
            var final = PathOf(hash);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            if (!File.Exists(final))
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

    public Stream OpenRead(string sha256) =>
        new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);

    private string PathOf(string sha256)
    {
        if (sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
            throw new ArgumentException("Not a SHA-256 hex digest.", nameof(sha256));
        return Path.Combine(Root, sha256[..2], sha256[2..4], sha256);
    }
}
