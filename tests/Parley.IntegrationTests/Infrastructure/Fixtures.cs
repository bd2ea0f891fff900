using Parley.IntegrationTests.Infrastructure;

[assembly: AssemblyFixture(typeof(SqliteApp))]
[assembly: AssemblyFixture(typeof(PostgresApp))]
[assembly: CaptureConsole]

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>Base for the PostgreSQL half: skips on a laptop without PostgreSQL, fails in CI (see ParleyApp).</summary>
public static class Engines
{
    public static void SkipUnlessConfigured(ParleyApp app) =>
        Assert.SkipWhen(!app.IsConfigured, "PostgreSQL is not configured: set PARLEY_TEST_POSTGRES, or run ./test.sh, which starts one.");
}
