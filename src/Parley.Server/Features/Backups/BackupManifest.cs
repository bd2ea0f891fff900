using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Parley.Server.Platform;

namespace Parley.Server.Features.Backups;

/// <summary>
/// <c>manifest.json</c> of a backup folder, written last: a folder without one is an interrupted backup, never restored.
/// It names the engine, the schema (the last migration applied), every file of the backup with its SHA-256, and each
/// organization's newest checkpoint when the backup began, which the restored log must still hold.
/// </summary>
public sealed record BackupManifest(
    string Format, DateTimeOffset CreatedAt, string Engine, string? Migration, string Database,
    IReadOnlyList<BackedUpOrganization> Organizations, IReadOnlyList<BackedUpFile> Contents)
{
    public const string FileName = "manifest.json", CurrentFormat = "parley-backup/1";
    public const string SqliteEngine = "sqlite", PostgresEngine = "postgres";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task WriteAsync(string folder, CancellationToken ct)
    {
        var path = Path.Combine(folder, FileName);
        await using (var output = File.Create(path + ".tmp"))
        {
            await JsonSerializer.SerializeAsync(output, this, Json, ct);
            output.Flush(flushToDisk: true);
        }
        File.Move(path + ".tmp", path);
    }

    /// <summary>The manifest of the backup in <paramref name="folder"/>; a <see cref="AdminInputException"/> saying why when there is none to trust.</summary>
    public static async Task<BackupManifest> ReadAsync(string folder, CancellationToken ct)
    {
        if (!Directory.Exists(folder))
            throw new AdminInputException($"There is no backup at {folder}: no such folder.");
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new AdminInputException($"{folder} is not a Parley backup: it has no {FileName} (a backup that was interrupted has none).");
        BackupManifest? manifest;
        try
        {
            await using var input = File.OpenRead(path);
            manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(input, Json, ct);
        }
        catch (JsonException e)
        {
            throw new AdminInputException($"{path} cannot be read: {e.Message}");
        }
        if (manifest?.Format != CurrentFormat)
            throw new AdminInputException($"{path} is of format '{manifest?.Format}', not {CurrentFormat}: restore it with the Parley that made it.");
        return manifest;
    }

    /// <summary>SHA-256 and size of a file, read in full.</summary>
    public static async Task<BackedUpFile> MeasureAsync(string folder, string relativePath, CancellationToken ct)
    {
        await using var input = new FileStream(Path.Combine(folder, relativePath), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        var hash = await SHA256.HashDataAsync(input, ct);
        return new BackedUpFile(relativePath.Replace('\\', '/'), Convert.ToHexStringLower(hash), input.Length);
    }
}

/// <param name="Checkpoint">The newest signed checkpoint (C2SP signed note) the database held when the backup began; null before the first.</param>
public sealed record BackedUpOrganization(Guid Id, string Name, long CheckpointSize, string? CheckpointRoot, string? Checkpoint);

/// <param name="Path">Relative to the backup folder, with forward slashes.</param>
public sealed record BackedUpFile(string Path, string Sha256, long Bytes);

/// <summary>Prints what a long operation is doing: each step, and a percentage at most every 10%.</summary>
public sealed class ProgressReport(TextWriter output)
{
    private int _lastTenth = -1;
    private string _step = "";

    public void Step(string text)
    {
        _step = text;
        _lastTenth = -1;
        output.WriteLine(text);
    }

    public void Line(string text) => output.WriteLine(text);

    public void Done(long done, long total, string unit)
    {
        var tenth = total <= 0 ? 10 : (int)(done * 10 / total);
        if (tenth == _lastTenth)
            return;
        _lastTenth = tenth;
        output.WriteLine($"  {tenth * 10}% ({done}/{total} {unit})");
    }
}
