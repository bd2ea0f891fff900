using System.Text.Json;

namespace Parley.Bench;

/// <summary>
/// <c>run</c> drives a running server through its API and hub and writes one database's results;
/// <c>report</c> merges runs into bench/results/latest.json and the table in docs/benchmarks.md.
/// </summary>
public static class BenchMain
{
    public static readonly JsonSerializerOptions Output = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["run", .. var rest] => await RunAsync(BenchSettings.Parse(rest)),
                ["report", .. var rest] => await Report.WriteAsync(rest),
                ["entry-cost", .. var rest] => EntryCost.Run(rest),
                ["cost-ab", .. var rest] => await CostAb.RunAsync(rest),
                _ => Usage(),
            };
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return Usage();
        }
    }

    private static async Task<int> RunAsync(BenchSettings settings)
    {
        // A hard bound on one database's run; the record scenario's integrity check reads every entry, and the purge and
        // search scenarios first wait for the log to take in the seeded entries: those get longer (a million messages
        // take PostgreSQL's search index's triggers some 30 minutes to seed on a busy machine).
        var longer = settings.HistoryMessages > 0 && (settings.Runs("record") || settings.Runs("purge") || settings.Runs("search"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(longer ? 60 : 12));
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        using var api = new ParleyApi(new Uri(settings.Url));
        var result = await new Scenarios(settings, api, new ServerProbe(settings.ServerPid), Log).RunAsync(cancel.Token);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.Output))!);
        await File.WriteAllTextAsync(settings.Output, JsonSerializer.Serialize(result, Output));
        Log($"Wrote {settings.Output} ({result.DurationSeconds} s).");
        return 0;
    }

    public static void Log(string line) => Console.WriteLine($"{DateTime.Now:HH:mm:ss} {line}");

    private static int Usage()
    {
        Console.Error.WriteLine("""
            Usage:
              Parley.Bench run --server-pid PID --operator-password PW --connection-string CS [--url URL] [--database Sqlite|Postgres]
                               [--operator-email E] [--out FILE] [--users N] [--history N] [--verify-integrity] [--purge-rate R] [--quick]
                               [--only SCENARIO,...] [--cost-window SECONDS]
              Parley.Bench entry-cost [COUNT]
              Parley.Bench cost-ab --a-url U --a-pid P --b-url U --b-pid P --operator-password PW [--a-name N] [--b-name N] [--rounds 10] [--window 4] [--clients 16]
              Parley.Bench report --json OUT.json --markdown docs/benchmarks.md --command "..." RUN.json...
            bench/run.sh runs both databases and the report; see docs/benchmarks.md.
            """);
        return 2;
    }
}
