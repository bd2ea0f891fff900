using System.Diagnostics;

namespace Parley.Bench;

/// <summary>The scenarios, run in an order that lets each reuse what the previous one set up.</summary>
public sealed class Scenarios(BenchSettings settings, ParleyApi api, ServerProbe server, Action<string> log)
{
    public async Task<RunResult> RunAsync(CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var loadBefore = ServerProbe.LoadAverage();
        var runId = started.ToString("MMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);

        log($"Provisioning {settings.Users:N0} users through the API...");
        var org = await Provisioner.CreateAsync(api, settings.OperatorEmail, settings.OperatorPassword, settings.Users, runId, log, ct);
        var active = org.Users.Take(200).ToList();
        var pairs = await Provisioner.OpenPairsAsync(api, active, ct);
        (long, BenchUser, int) OneToOne(Random r)
        {
            var pair = r.Next(pairs.Count);
            return (pairs[pair], active[2 * pair + r.Next(2)], 2);
        }
        var group = await Provisioner.CreateChannelAsync(api, org.Owner, "group-200", active, ct);
        log($"Adding {settings.Users:N0} members to the large channel...");
        var large = await Provisioner.CreateChannelAsync(api, org.Owner, "large", org.Users, ct);
        log($"Provisioned in {clock.Elapsed.TotalSeconds:0} s.");

        await using var fleet = new LiveFleet(new Uri(api.BaseUri, "/hubs/events"));
        foreach (var user in org.Users)
            fleet.Allowed[user.Index] = user.Index < active.Count ? [pairs[user.Index / 2], group, large] : [large];

        var idle = await IdleAsync(fleet, settings.Runs("idle") ? settings.IdleSteps : [settings.Users], org.Users, ct);
        var ladder = new Ladder(api, fleet, server, settings.Timing, log);
        await WarmUpAsync(ladder, OneToOne, active, group, ct);
        List<LadderResult> ladders = [];
        if (settings.Runs("one-to-one"))
            ladders.Add(await RunLadderAsync(ladder, "one-to-one", $"{active.Count} users in {pairs.Count} direct conversations, both directions",
                settings.OneToOneRates, settings.OneToOneSenders, 2, OneToOne, ct));
        if (settings.Runs("group"))
            ladders.Add(await RunLadderAsync(ladder, "group", $"one conversation of {active.Count} members, random senders, every member receives",
                settings.GroupRates, settings.GroupSenders, active.Count, r => (group, active[r.Next(active.Count)], active.Count), ct));
        if (settings.Runs("large-channel"))
            ladders.Add(await RunLadderAsync(ladder, "large channel", $"one conversation of {org.Users.Count:N0} members, all connected",
                settings.LargeRates, settings.LargeSenders, org.Users.Count, r => (large, org.Users[r.Next(org.Users.Count)], org.Users.Count), ct));
        log("Disconnecting...");
        await fleet.DisconnectAllAsync();

        var cost = settings.Runs("request-cost")
            ? await RequestCost.RunAsync(api, server, active[0], pairs[0], settings.CostWindow ?? settings.Timing.Window, log, ct)
            : null;
        HistoryResult? history = null;
        RecordResult? record = null;
        GdprResult? gdpr = null;
        PurgeResult? purge = null;
        SearchResult? search = null;
        if (settings.HistoryMessages > 0 && (settings.Runs("history") || settings.Runs("record") || settings.Runs("gdpr") || settings.Runs("purge")
            || settings.Runs("search")))
        {
            // The seeding writes as many record entries, which the log takes in in the background: the record scenario
            // times that right after the seeding, and the history's reads then meet a log that has caught up.
            var sizeBefore = settings.Runs("record") ? (await RecordScenario.LogStateAsync(settings, pairs[0], ct)).Size : 0;
            var seeded = await HistoryScenario.SeedAsync(settings, api, org.Owner, log, ct);
            if (settings.Runs("record"))
                record = await RecordScenario.RunAsync(settings, api, server, org.Owner, seeded, sizeBefore, log, ct);
            if (settings.Runs("history"))
                history = await HistoryScenario.RunAsync(settings, api, server, org.Owner, seeded, log, ct);
            if (settings.Runs("gdpr"))
                gdpr = await GdprScenario.RunAsync(api, server, org.Owner, seeded, log, ct);
            if (settings.Runs("search"))
                search = await SearchScenario.RunAsync(settings, api, server, org.Owner, seeded, log, ct);
            if (settings.Runs("purge"))
            {
                // Last, as it erases the history the others read; the one-to-one steps need the active users connected again.
                await fleet.ConnectAsync(active, 32, ct);
                purge = await PurgeScenario.RunAsync(settings, api, new Ladder(api, fleet, server, settings.Timing with { Window = settings.PurgeWindow }, log),
                    OneToOne, org.Owner, seeded, log, ct);
            }
        }
        return new RunResult(settings.Database, started, Math.Round(clock.Elapsed.TotalSeconds), Machine(loadBefore), settings.Describe(),
            ladders, idle, history, cost, record, gdpr, purge, search);
    }

    /// <summary>
    /// A server that just started runs its first thousands of requests through unoptimized code while the JIT
    /// recompiles the hot paths. Users meet a warm server; so does the first measured step. Nothing here is reported.
    /// </summary>
    private async Task WarmUpAsync(Ladder ladder, PickSender oneToOne, List<BenchUser> active, long group, CancellationToken ct)
    {
        log("Warming up the server (not measured):");
        await ladder.ClosedAsync("warm-up", 16, oneToOne, 2, 500, ct);
        await ladder.ClosedAsync("warm-up", 4, r => (group, active[r.Next(active.Count)], active.Count), active.Count, 100, ct);
    }

    private async Task<IdleResult> IdleAsync(LiveFleet fleet, IReadOnlyList<int> steps, List<BenchUser> users, CancellationToken ct)
    {
        log("Idle connections:");
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        List<IdlePoint> points = [new(0, Math.Round(server.RssBytes() / 1048576.0, 1), 0)];
        foreach (var target in steps.Where(s => s <= users.Count))
        {
            var clock = Stopwatch.StartNew();
            await fleet.ConnectAsync(users.Take(target), 32, ct);
            var connectSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
            await Task.Delay(settings.IdleSettle, ct);   // presence fan-out and allocations settle
            points.Add(new IdlePoint(fleet.Count, Math.Round(server.RssBytes() / 1048576.0, 1), connectSeconds));
            log($"  {fleet.Count,5} connections: RSS {points[^1].RssMiB} MiB (connected in {connectSeconds} s)");
        }
        var measured = points.Skip(1).ToList();
        return new IdleResult(points, Math.Round(Slope(measured.Count >= 2 ? measured : points) * 1024, 1));
    }

    /// <summary>Least-squares slope of RSS (MiB) over connections.</summary>
    private static double Slope(List<IdlePoint> points)
    {
        var mx = points.Average(p => (double)p.Connections);
        var my = points.Average(p => p.RssMiB);
        var sxx = points.Sum(p => (p.Connections - mx) * (p.Connections - mx));
        return sxx == 0 ? 0 : points.Sum(p => (p.Connections - mx) * (p.RssMiB - my)) / sxx;
    }

    private async Task<LadderResult> RunLadderAsync(Ladder ladder, string name, string description, IReadOnlyList<double> rates,
        int closedSenders, int recipients, PickSender pick, CancellationToken ct)
    {
        log($"{name}: {description}");
        List<StepResult> steps = [];
        foreach (var rate in rates)
        {
            var step = await ladder.OpenAsync(name, rate, pick, recipients, ct);
            steps.Add(step);
            // Far past saturation the next, higher step only queues more: stop the open ladder here.
            if (step.SentPerSecond < 0.8 * rate || step.LatencyMs.P99 > 2000)
                break;
        }
        var best = steps.Where(s => s.Sustained).Select(s => s.OfferedPerSecond ?? 0).DefaultIfEmpty(rates[0]).Max();
        steps.Add(await ladder.ClosedAsync(name, closedSenders, pick, recipients, best * 2, ct));
        return new LadderResult(name, description, steps);
    }

    private static MachineInfo Machine(double loadBefore)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        return new MachineInfo(Environment.ProcessorCount, cpu, loadBefore, ServerProbe.LoadAverage(),
            File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }
}
