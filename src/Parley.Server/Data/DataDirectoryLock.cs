using Microsoft.Extensions.Options;

namespace Parley.Server.Data;

/// <summary>
/// <c>parley.lock</c> in the data directory, held while the server runs, so that a restore can tell it must not replace
/// the data under a running server. The server holds it shared (several nodes may share a data directory), a restore
/// exclusively; the operating system releases it when the process ends, however it ends (kill -9 included), so a crashed
/// server never leaves a stale lock behind. Advisory <c>flock</c> through .NET's file sharing on Linux.
/// </summary>
public sealed class DataDirectoryLock(IOptions<StorageOptions> storage) : IHostedService, IDisposable
{
    public const string FileName = "parley.lock";

    private FileStream? _held;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var path = PathIn(storage.Value.FullDataDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            if (!File.Exists(path))
                File.WriteAllBytes(path, []);
            _held = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"The data directory {storage.Value.FullDataDirectory} is being restored ({path} is held by a " +
                "restore). Start the server once the restore has finished.", e);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _held?.Dispose();
        _held = null;
    }

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>
    /// Takes the lock exclusively for a restore: null when a server holds it (the restore must not go on), otherwise the
    /// open lock, to keep until the restore is over so that no server starts on the data meanwhile.
    /// </summary>
    public static FileStream? TryTakeExclusively(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        try
        {
            return new FileStream(PathIn(dataDirectory), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
