using System.Diagnostics;

namespace Parley.Tests.Log;

/// <summary>
/// The second, independent verifier (tools/verify-record.py, Python's standard library only) has its own tests; this runs
/// them with the rest of the suite, so a change to it that breaks them fails the build like any other.
/// </summary>
public class PythonVerifierTests
{
    [Fact]
    public async Task The_independent_verifiers_own_tests_pass()
    {
        var start = new ProcessStartInfo("python3", ["-m", "unittest", "-q", "tools/test_verify_record.py"])
        {
            WorkingDirectory = WebClientBuildTests.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = await python.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await python.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(python.ExitCode == 0, $"{await output}\n{errors}");
        Assert.Matches(@"Ran \d{2,} tests", errors);
    }
}
