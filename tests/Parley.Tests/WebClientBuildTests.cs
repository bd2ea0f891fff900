using System.Diagnostics;

namespace Parley.Tests;

/// <summary>
/// The server's build checks the Node.js version before it builds the web client, and says what to install. The test
/// runs the real target of Parley.Server.csproj with a stand-in <c>node</c> first on the PATH that reports a version.
/// </summary>
public class WebClientBuildTests
{
    [Theory]
    [InlineData("v18.19.0")]          // Debian 12's own nodejs
    [InlineData("v21.7.3")]
    public async Task An_unsupported_Node_js_fails_the_build_with_what_to_install(string version)
    {
        var (exitCode, output) = await CheckNodeVersionAsync(version);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("error PARLEY002", output);
        Assert.Contains($"this machine has Node.js {version}", output);
        Assert.Contains("NodeSource", output);
        Assert.Contains("SkipWebClient=true", output);
    }

    [Theory]
    [InlineData("v20.19.0")]
    [InlineData("v22.12.0")]
    public async Task A_supported_Node_js_passes_the_check(string version)
    {
        var (exitCode, output) = await CheckNodeVersionAsync(version);

        Assert.True(exitCode == 0, output);
        Assert.DoesNotContain("error", output);
    }

    private static async Task<(int ExitCode, string Output)> CheckNodeVersionAsync(string nodeVersion)
    {
        var tools = Directory.CreateTempSubdirectory("parley-node-");
        try
        {
            await WriteScriptAsync(Path.Combine(tools.FullName, "node"), $"echo {nodeVersion}");
            await WriteScriptAsync(Path.Combine(tools.FullName, "npm"), "echo 10.9.0");
            var project = Path.Combine(RepositoryRoot(), "src", "Parley.Server", "Parley.Server.csproj");
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                ArgumentList = { "msbuild", project, "-t:CheckNodeVersion", "-p:SkipWebClient=false", "-nologo", "-v:m", "-nodeReuse:false" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["PATH"] = $"{tools.FullName}:{Environment.GetEnvironmentVariable("PATH")}";
            start.Environment.Remove("SkipWebClient");
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            tools.Delete(recursive: true);
        }
    }

    private static async Task WriteScriptAsync(string path, string body)
    {
        await File.WriteAllTextAsync(path, $"#!/bin/sh\n{body}\n", TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
                return dir.FullName;
        throw new InvalidOperationException($"No Parley.slnx above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// The README's <c>dotnet run --project src/Parley.Server</c> keeps data in <c>./data</c> of the directory it was run
/// from, which git ignores at the repository root, and not in the source folder.
/// </summary>
public class RunSettingsTests
{
    [Fact]
    public async Task Dotnet_run_starts_the_server_in_the_directory_it_was_run_from_with_the_project_as_content_root()
    {
        var root = WebClientBuildTests.RepositoryRoot();
        var projectDir = Path.Combine(root, "src", "Parley.Server");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { "msbuild", Path.Combine(projectDir, "Parley.Server.csproj"), "-getProperty:RunWorkingDirectory", "-getProperty:RunArguments", "-nologo" },
            WorkingDirectory = root,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        var properties = System.Text.Json.JsonDocument.Parse(output).RootElement.GetProperty("Properties");
        Assert.Equal(root.TrimEnd('/'), properties.GetProperty("RunWorkingDirectory").GetString()!.TrimEnd('/'));
        Assert.Equal($"--contentRoot \"{projectDir}\"", properties.GetProperty("RunArguments").GetString());
    }

    [Theory]
    [InlineData("data/parley.db")]
    [InlineData("data/files/ab/cd/abcd")]
    [InlineData("src/Parley.Server/data/files/ab/cd/abcd")]
    public async Task Data_written_by_a_server_run_from_the_repository_is_ignored_by_git(string path)
    {
        var start = new ProcessStartInfo("git") { ArgumentList = { "check-ignore", "--quiet", "--no-index", path }, WorkingDirectory = WebClientBuildTests.RepositoryRoot() };
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, process.ExitCode);
    }
}
