using System.Globalization;

namespace Parley.Bench;

/// <summary>What one run measures and against which server. Defaults are the published run; --quick is for development.</summary>
public sealed class BenchSettings
{
    public string Url { get; set; } = "http://127.0.0.1:5080";
    public int ServerPid { get; set; }
    public string Database { get; set; } = "Sqlite";
    public string ConnectionString { get; set; } = "";
    public string OperatorEmail { get; set; } = "operator@bench.test";
    public string OperatorPassword { get; set; } = "";
    public string Output { get; set; } = "bench/results/run.json";

    public int Users { get; set; } = 5000;
    public int[] IdleSteps { get; set; } = [1000, 2000, 3000, 4000, 5000];
    public TimeSpan IdleSettle { get; set; } = TimeSpan.FromSeconds(3);
    public StepTiming Timing { get; set; } = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    public double[] OneToOneRates { get; set; } = [100, 250, 500, 750, 1000, 2000, 4000];
    public int OneToOneSenders { get; set; } = 64;
    public double[] GroupRates { get; set; } = [2.5, 5, 10, 25, 50, 100, 150, 200, 250];
    public int GroupSenders { get; set; } = 8;
    public double[] LargeRates { get; set; } = [0.5, 1, 2, 5];
    public int LargeSenders { get; set; } = 2;
    public long HistoryMessages { get; set; } = 1_000_000;
    public int HistoryViaApi { get; set; } = 2000;
    public int HistoryPages { get; set; } = 2000;
    public int SearchQueries { get; set; } = 200;
    public TimeSpan HistoryDuration { get; set; } = TimeSpan.FromSeconds(20);
    public bool VerifyIntegrity { get; set; }

    /// <summary>The purge scenario's one-to-one rate, offered before and during the purge: moderate, well under saturation.</summary>
    public double PurgeSendRate { get; set; } = 100;
    public TimeSpan PurgeWindow { get; set; } = TimeSpan.FromSeconds(20);
    public int PurgeMaximumDays { get; set; } = 30;

    /// <summary>How long each request-cost measurement lasts; the step window when not set.</summary>
    public TimeSpan? CostWindow { get; set; }

    /// <summary>Scenarios to run (idle, one-to-one, group, large-channel, request-cost, history, record, gdpr, purge); all when empty. For development.</summary>
    public HashSet<string> Only { get; set; } = [];

    public bool Runs(string scenario) => Only.Count == 0 || Only.Contains(scenario);

    public static BenchSettings Parse(string[] args)
    {
        var s = new BenchSettings();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--url": s.Url = Next(); break;
                case "--server-pid": s.ServerPid = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--database": s.Database = Next(); break;
                case "--connection-string": s.ConnectionString = Next(); break;
                case "--operator-email": s.OperatorEmail = Next(); break;
                case "--operator-password": s.OperatorPassword = Next(); break;
                case "--out": s.Output = Next(); break;
                case "--users":
                    s.Users = int.Parse(Next(), CultureInfo.InvariantCulture);
                    s.IdleSteps = [.. Enumerable.Range(1, 5).Select(k => k * s.Users / 5)];
                    break;
                case "--history": s.HistoryMessages = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--verify-integrity": s.VerifyIntegrity = true; break;
                case "--purge-rate": s.PurgeSendRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--cost-window": s.CostWindow = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--only": s.Only = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]; break;
                case "--quick": s.Quick(); break;
                default: throw new ArgumentException($"Unknown option {args[i]}.");
            }
        }
        if (s.ServerPid == 0 || s.OperatorPassword.Length == 0 || s.ConnectionString.Length == 0)
            throw new ArgumentException("--server-pid, --operator-password and --connection-string are required.");
        return s;
    }

    /// <summary>A small run to try the harness: fewer users and messages, shorter steps.</summary>
    private void Quick()
    {
        Users = 400;
        IdleSteps = [200, 400];
        Timing = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3));
        OneToOneRates = [200, 400];
        GroupRates = [5, 10];
        LargeRates = [1, 2];
        HistoryMessages = 20_000;
        HistoryViaApi = 200;
        HistoryPages = 300;
        SearchQueries = 50;
        PurgeWindow = TimeSpan.FromSeconds(10);
    }

    public Dictionary<string, string> Describe()
    {
        var described = new Dictionary<string, string>
        {
            ["users"] = Users.ToString(CultureInfo.InvariantCulture),
            ["step"] = $"warm-up {Timing.Warmup.TotalSeconds} s, window {Timing.Window.TotalSeconds} s, drain up to {Timing.Drain.TotalSeconds} s",
            ["one-to-one rates"] = string.Join(", ", OneToOneRates),
            ["group rates"] = string.Join(", ", GroupRates),
            ["large channel rates"] = string.Join(", ", LargeRates),
            ["history messages"] = HistoryMessages.ToString(CultureInfo.InvariantCulture),
        };
        if (Runs("purge"))
            described["purge step"] = string.Create(CultureInfo.InvariantCulture,
                $"one-to-one open {PurgeSendRate}/s, window {PurgeWindow.TotalSeconds} s, retention maximum {PurgeMaximumDays} days");
        return described;
    }
}
