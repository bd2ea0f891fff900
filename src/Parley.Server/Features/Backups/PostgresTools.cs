using System.Diagnostics;
using Npgsql;
using Parley.Server.Platform;

namespace Parley.Server.Features.Backups;

/// <summary>
/// <c>pg_dump</c> and <c>pg_restore</c>, run with the server's connection settings passed through libpq's environment
/// (<c>PGHOST</c>, <c>PGPASSWORD</c>…), so the password never shows in a process list. Their <c>--verbose</c> lines
/// are the progress report. They are looked for on the PATH, then in Debian's <c>/usr/lib/postgresql/N/bin</c>, newest first.
/// </summary>
internal static class PostgresTools
{
    public static async Task DumpAsync(string connectionString, string file, ProgressReport progress, CancellationToken ct)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        await RunAsync("pg_dump", settings, ["--format=custom", "--verbose", "--no-owner", "--no-privileges", $"--file={file}"],
            line => line.Contains("dumping contents of table", StringComparison.Ordinal), progress, ct);
    }

    public static async Task RestoreAsync(string connectionString, string file, ProgressReport progress, CancellationToken ct)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        await RunAsync("pg_restore", settings,
            ["--verbose", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", $"--dbname={settings.Database}", file],
            line => line.Contains("processing data for table", StringComparison.Ordinal), progress, ct);
    }

    private static async Task RunAsync(string tool, NpgsqlConnectionStringBuilder settings, string[] arguments, Func<string, bool> isProgress,
        ProgressReport progress, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Find(tool)) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Set(start, "PGHOST", settings.Host);
        Set(start, "PGPORT", settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Set(start, "PGUSER", settings.Username);
        Set(start, "PGPASSWORD", settings.Password);
        Set(start, "PGDATABASE", settings.Database);
        Set(start, "PGSSLMODE", settings.SslMode switch
        {
            SslMode.Disable => "disable",
            SslMode.Allow => "allow",
            SslMode.Require => "require",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        });

        using var process = Process.Start(start) ?? throw new AdminInputException($"{tool} could not be started.");
        var errors = new List<string>();
        var stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(ct) is { } line)
            {
                if (isProgress(line))
                    progress.Line($"  {line}");
                else if (!line.Contains(": ", StringComparison.Ordinal) || line.Contains("error", StringComparison.OrdinalIgnoreCase) ||
                         line.Contains("warning", StringComparison.OrdinalIgnoreCase))
                    errors.Add(line);
            }
        }, ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        await stderr;
        await stdout;
        if (process.ExitCode != 0)
            throw new AdminInputException($"{tool} failed (exit code {process.ExitCode}): {string.Join(" / ", errors.TakeLast(5))}");
    }

    private static void Set(ProcessStartInfo start, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            start.Environment[name] = value;
    }

    /// <summary>The tool's path; a <see cref="AdminInputException"/> that says what to install when it is nowhere.</summary>
    private static string Find(string tool)
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
        if (onPath is not null)
            return onPath;
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => (Version: int.TryParse(Path.GetFileName(dir), out var v) ? v : 0, Path: Path.Combine(dir, "bin", tool)))
                .Where(t => File.Exists(t.Path)).OrderByDescending(t => t.Version).Select(t => t.Path).FirstOrDefault()
            : null;
        return debian ?? throw new AdminInputException(
            $"{tool} is not on this machine's PATH: install PostgreSQL's client tools of the server's version (Debian: apt-get install postgresql-client).");
    }
}
