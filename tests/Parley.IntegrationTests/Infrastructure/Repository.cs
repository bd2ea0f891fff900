namespace Parley.IntegrationTests.Infrastructure;

/// <summary>The source checkout the tests run from: docs, tools and the built server live there.</summary>
public static class Repository
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Parley.slnx")))
                return dir.FullName;
        throw new InvalidOperationException($"No Parley.slnx above {AppContext.BaseDirectory}.");
    }
}
