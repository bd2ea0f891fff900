using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Organizations;

namespace Parley.IntegrationTests.Docs;

/// <summary>
/// docs/api.md runs as written: its bash blocks, in order, in one shell, against a server started afresh as the page
/// says. Each curl fails on an HTTP error and each jq on a null, so every step must do what the page says it does.
/// </summary>
public abstract class ApiWalkthroughTests(ParleyApp app)
{
    [Fact]
    public async Task The_walkthrough_runs_as_written_on_a_server_started_with_the_documented_bootstrap_settings()
    {
        var walkthrough = Walkthrough.Read();
        await using var server = new FreshApp(app.Engine, await walkthrough.StartSettingsAsync());
        await server.InitializeAsync();

        var run = await walkthrough.RunAsync(server.BaseAddress);

        Assert.True(run.Passed, run.Report);
        await AssertItHappenedAsync(server);
    }

    [Fact]
    public async Task The_walkthrough_runs_as_written_after_the_setup_command_the_server_prints()
    {
        var walkthrough = Walkthrough.Read();
        await using var server = new FreshApp(app.Engine, FreshApp.NoBootstrap);
        await server.InitializeAsync();
        var token = server.Services.GetRequiredService<SetupToken>().Issue();     // the printed one, renewed to be known here
        var printed = Bootstrap.SetupInstructions(Walkthrough.DocumentedAddress, token);
        var setupCommand = printed[printed.IndexOf("curl ", StringComparison.Ordinal)..printed.IndexOf("(or set", StringComparison.Ordinal)];

        var run = await walkthrough.RunAsync(server.BaseAddress, setupCommand);

        Assert.True(run.Passed, run.Report);
        await AssertItHappenedAsync(server);
    }

    private static async Task AssertItHappenedAsync(FreshApp server)
    {
        Assert.True(await server.WithDbAsync(db => db.Users.AnyAsync(u => u.Email == "bob@example.com")));
        Assert.True(await server.WithDbAsync(db => db.Messages.AnyAsync(m => m.Content == "Welcome aboard, Bob!")));
        Assert.True(await server.WithDbAsync(db => db.Files.AnyAsync(f => f.FileName == "q3-report.txt")));
    }

    internal static void SkipWithoutTools()
    {
        var missing = new[] { "bash", "curl", "jq", "cmp" }.Where(tool => !OnPath(tool)).ToList();
        if (missing.Count > 0 && Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException($"CI must install {string.Join(", ", missing)} for the API walkthrough (.ci/run).");
        Assert.SkipWhen(missing.Count > 0, $"The API walkthrough needs {string.Join(", ", missing)} (Debian: apt-get install curl jq).");

        static bool OnPath(string tool) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));
    }
}

/// <summary>The bash blocks of docs/api.md.</summary>
internal sealed partial class Walkthrough(IReadOnlyList<string> blocks)
{
    public const string DocumentedAddress = "http://localhost:5080";
    private const string StartCommand = "dotnet run --project src/Parley.Server";

    public static Walkthrough Read()
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "api.md");
        var blocks = BashBlock().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value).ToList();
        Assert.True(blocks.Count(b => b.Contains(StartCommand)) == 1, $"docs/api.md must start the server once with `{StartCommand}`.");
        return new Walkthrough(blocks);
    }

    private string StartBlock => blocks.Single(b => b.Contains(StartCommand));

    /// <summary>The settings the start block gives the server, as the shell reads its assignments.</summary>
    public async Task<List<KeyValuePair<string, string>>> StartSettingsAsync()
    {
        var (exitCode, output) = await BashAsync(StartBlock.Replace(StartCommand, "env"), TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, output);
        return output.Split('\n').Where(line => line.StartsWith("Parley__", StringComparison.Ordinal))
            .Select(line => line.Split('=', 2)).Select(kv => KeyValuePair.Create(kv[0].Replace("__", ":"), kv[1])).ToList();
    }

    /// <summary>Runs every block but the start, in order, in one shell, after <paramref name="before"/> if any.</summary>
    public async Task<Run> RunAsync(Uri server, string? before = null)
    {
        var steps = blocks.Where(b => b != StartBlock).Prepend(before).OfType<string>().ToList();
        var script = new StringBuilder("""
            set -euo pipefail
            exec 2>&1
            curl() { command curl --silent --show-error --fail-with-body "$@"; }
            jq() { command jq -e "$@"; }

            """);
        for (var i = 0; i < steps.Count; i++)
            script.Append($"echo '=== step {i + 1} ==='\n{steps[i]}\necho\n");
        script.Append("echo '=== all steps passed ==='\n");
        var text = script.ToString().Replace(DocumentedAddress, server.ToString().TrimEnd('/'));

        var (exitCode, output) = await BashAsync(text, TimeSpan.FromMinutes(3));
        var passed = exitCode == 0 && output.Contains("=== all steps passed ===");
        var failedStep = StepMarker().Matches(output).Select(m => int.Parse(m.Groups[1].Value)).LastOrDefault();
        var report = passed ? "" :
            $"docs/api.md stopped at step {failedStep} (exit code {exitCode}):\n{(failedStep > 0 ? steps[failedStep - 1] : "")}\n--- output ---\n{output}";
        return new Run(passed, report);
    }

    /// <summary>Runs a bash script in <paramref name="workingDirectory"/> (a fresh temporary folder by default).</summary>
    internal static async Task<(int ExitCode, string Output)> BashAsync(string script, TimeSpan timeout, string? workingDirectory = null)
    {
        var directory = Directory.CreateTempSubdirectory("parley-walkthrough-");
        try
        {
            var file = Path.Combine(directory.FullName, "walkthrough.sh");
            await File.WriteAllTextAsync(file, script);
            var start = new ProcessStartInfo("bash", [file])
            {
                WorkingDirectory = workingDirectory ?? directory.FullName, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            start.Environment["NO_PROXY"] = start.Environment["no_proxy"] = "127.0.0.1,localhost";
            using var process = Process.Start(start)!;
            using var deadline = new CancellationTokenSource(timeout);
            var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
            var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"timed out after {timeout}");
            }
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
                return dir.FullName;
        throw new InvalidOperationException($"No Parley.slnx above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^```bash\n(.*?)^```", RegexOptions.Singleline | RegexOptions.Multiline)]
    internal static partial Regex BashBlock();

    [GeneratedRegex(@"^=== step (\d+) ===$", RegexOptions.Multiline)]
    private static partial Regex StepMarker();

    public sealed record Run(bool Passed, string Report);
}

public sealed class SqliteApiWalkthroughTests : ApiWalkthroughTests
{
    public SqliteApiWalkthroughTests(SqliteApp app) : base(app) => SkipWithoutTools();
}

public sealed class PostgresApiWalkthroughTests : ApiWalkthroughTests
{
    public PostgresApiWalkthroughTests(PostgresApp app) : base(app)
    {
        Engines.SkipUnlessConfigured(app);
        SkipWithoutTools();
    }
}
