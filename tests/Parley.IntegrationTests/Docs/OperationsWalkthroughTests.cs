using System.Net;
using System.Net.Sockets;

namespace Parley.IntegrationTests.Docs;

/// <summary>
/// docs/operations.md's walkthrough runs as written, from the repository's root, as an operator would paste it: a server
/// on SQLite, a backup while it runs, a restore into a new place, a refused restore over data, and the drill naming
/// what an old backup lacks. Only its build line is left out (the tests were built with the server) and its folder and
/// port are made its own.
/// </summary>
public sealed class OperationsWalkthroughTests
{
    private const string DocumentedFolder = "/tmp/parley-demo", DocumentedAddress = "127.0.0.1:5090";

    public OperationsWalkthroughTests() => ApiWalkthroughTests.SkipWithoutTools();

    [Fact]
    public async Task The_backup_and_restore_walkthrough_runs_as_written_and_the_drill_says_what_the_page_says()
    {
        var root = Walkthrough.RepositoryRoot();
        var blocks = Walkthrough.BashBlock().Matches(await File.ReadAllTextAsync(Path.Combine(root, "docs", "operations.md"), TestContext.Current.CancellationToken))
            .Select(m => m.Groups[1].Value).ToList();
        var block = Assert.Single(blocks);
        var folder = Directory.CreateTempSubdirectory("parley-operations-").FullName;
        try
        {
            var lines = block.Split('\n').Where(line => !line.StartsWith("dotnet build ", StringComparison.Ordinal));
            var script = $"""
                set -euo pipefail
                exec 2>&1
                trap 'kill $(jobs -p) 2>/dev/null' EXIT
                {string.Join('\n', lines)}
                echo '=== walkthrough done ==='
                """
                .Replace(DocumentedFolder, folder)
                .Replace(DocumentedAddress, $"127.0.0.1:{FreePort()}");

            var (exitCode, output) = await Walkthrough.BashAsync(script, TimeSpan.FromMinutes(8), root);

            Assert.True(exitCode == 0 && output.Contains("=== walkthrough done ==="), $"exit code {exitCode}:\n{output}");
            Assert.Contains("drill: intact", output);
            Assert.Contains("refused, exit code 2", output);
            Assert.Contains("not intact, exit code 1", output);
            Assert.Matches(@"rolled back: a checkpoint of \d+ entries was published, the database holds \d+; leaves \d+ to \d+ are missing", output);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A port free now; the page's server binds it a moment later (it names its port, as an operator's would).</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
