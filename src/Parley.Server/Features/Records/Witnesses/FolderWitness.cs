using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Parley.Server.Features.Records.Witnesses;

/// <summary>
/// Keeps checkpoints as files in an append-only folder: <c>&lt;folder&gt;/&lt;organizationId&gt;/&lt;treeSize:D20&gt;.checkpoint</c>,
/// each the signed note as UTF-8 text. In production the folder is WORM storage (or another machine's mount), so that
/// whoever can rewrite the database cannot also rewrite what was witnessed. A file is never replaced: publishing the
/// same size again with the same bytes succeeds without writing, with other bytes it throws
/// <see cref="CheckpointForkException"/>.
/// </summary>
public sealed class FolderWitness(string folder, TimeProvider clock) : ICheckpointWitness
{
    private const string Extension = ".checkpoint";
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The full path of the folder.</summary>
    public string Folder { get; } = Path.GetFullPath(folder);

    public string Name => $"folder {Folder}";

    public async Task<WitnessReceipt> PublishAsync(Guid organizationId, long treeSize, string note, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentException.ThrowIfNullOrEmpty(note);
        var bytes = Utf8.GetBytes(note);
        var directory = OrganizationFolder(organizationId);
        var path = Path.Combine(directory, FileName(treeSize));

        if (File.Exists(path))
            return await SameAsStoredAsync(organizationId, treeSize, path, bytes, ct);

        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            SyncDirectory(Folder);                                    // the organization's folder itself must survive a crash
        }

        var temp = Path.Combine(directory, $".{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, useAsync: true))
            {
                await output.WriteAsync(bytes, ct);
                await output.FlushAsync(ct);
                output.Flush(flushToDisk: true);                      // the bytes are on disk before the name points at them
            }
            if (!MoveWithoutReplacing(temp, path))
                return await SameAsStoredAsync(organizationId, treeSize, path, bytes, ct);
            SyncDirectory(directory);                                 // and the name is on disk before we say "published"
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
        return new WitnessReceipt(Name, clock.GetUtcNow(), Token: null);
    }

    /// <summary>
    /// The checkpoint with the largest tree size held for the organization, or null when there is none. At start-up a
    /// database whose log is smaller than this was rolled back (or the log rewritten when the sizes match but not the roots).
    /// </summary>
    public async Task<string?> LatestAsync(Guid organizationId, CancellationToken ct)
    {
        var latest = Checkpoints(organizationId).OrderByDescending(c => c.Size).FirstOrDefault();
        return latest.Path is null ? null : await File.ReadAllTextAsync(latest.Path, Utf8, ct);
    }

    /// <summary>Every checkpoint held for the organization, smallest tree size first.</summary>
    public async IAsyncEnumerable<(long Size, string Note)> ListAsync(Guid organizationId, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var (size, path) in Checkpoints(organizationId).OrderBy(c => c.Size))
            yield return (size, await File.ReadAllTextAsync(path, Utf8, ct));
    }

    private async Task<WitnessReceipt> SameAsStoredAsync(Guid organizationId, long treeSize, string path, byte[] bytes, CancellationToken ct)
    {
        var stored = await File.ReadAllBytesAsync(path, ct);
        if (!stored.AsSpan().SequenceEqual(bytes))
            throw new CheckpointForkException(organizationId, treeSize, Name,
                $"The witness folder already holds a different checkpoint of size {treeSize} for organization {organizationId} " +
                $"({path}). Two different checkpoints of one size mean the log was forked or rewritten; the stored one was kept.");
        return new WitnessReceipt(Name, clock.GetUtcNow(), Token: null);
    }

    private IEnumerable<(long Size, string Path)> Checkpoints(Guid organizationId)
    {
        var directory = OrganizationFolder(organizationId);
        if (!Directory.Exists(directory))
            yield break;
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            var stem = Path.GetFileNameWithoutExtension(path);
            if (stem.Length == 20 && long.TryParse(stem, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                yield return (size, path);
        }
    }

    private string OrganizationFolder(Guid organizationId) => Path.Combine(Folder, organizationId.ToString("D"));

    private static string FileName(long treeSize) => treeSize.ToString("D20", CultureInfo.InvariantCulture) + Extension;

    /// <summary>
    /// Gives the temporary file its final name unless that name exists; false when it does. Another writer racing for
    /// the same size must lose, never overwrite. On Unix, .NET's <see cref="File.Move(string, string, bool)"/> checks
    /// then renames (rename replaces), so this uses link(2), which fails with EEXIST atomically, and falls back to
    /// that check-then-rename only where the file system has no hard links.
    /// </summary>
    private static bool MoveWithoutReplacing(string temp, string path)
    {
        if (!OperatingSystem.IsWindows())                             // Windows' MoveFileEx without REPLACE_EXISTING is atomic already
        {
            if (Posix.link(temp, path) == 0)
            {
                File.Delete(temp);
                return true;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Posix.EEXIST)
                return false;
            if (errno is not (Posix.EPERM or Posix.ENOTSUP or Posix.ENOTSUP_MACOS or Posix.EXDEV))
                throw new IOException($"Could not name {path} (errno {errno}).");
        }
        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    /// <summary>
    /// fsync on the directory, so a rename or a new entry survives a power cut (the file's own fsync does not cover its
    /// name). .NET cannot open a directory as a file, hence libc. Windows has no equivalent and needs none for NTFS metadata.
    /// </summary>
    private static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
            return;
        var fd = Posix.open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
            throw new IOException($"Could not open {directory} to flush it to disk (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Posix.fsync(fd) != 0)
                throw new IOException($"Could not flush {directory} to disk (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = Posix.close(fd);
        }
    }

    private static class Posix
    {
        internal const int EPERM = 1, EEXIST = 17, EXDEV = 18, ENOTSUP = 95, ENOTSUP_MACOS = 45;

        [DllImport("libc", SetLastError = true)]
        internal static extern int link([MarshalAs(UnmanagedType.LPUTF8Str)] string existing, [MarshalAs(UnmanagedType.LPUTF8Str)] string created);

        [DllImport("libc", SetLastError = true)]
        internal static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        internal static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        internal static extern int close(int fd);
    }
}
