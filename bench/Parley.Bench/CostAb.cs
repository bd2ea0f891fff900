using System.Globalization;
using System.Net;

namespace Parley.Bench;

/// <summary>
/// <c>cost-ab</c>: server CPU per send of two servers (two builds) running side by side, measured in short windows that
/// alternate A B B A, many times. On a shared machine the load drifts over minutes; windows seconds apart see nearly the
/// same machine, so the ratio of a pair of windows is far steadier than the ratio of two separate runs.
/// </summary>
public static class CostAb
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1.5);

    public static async Task<int> RunAsync(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is >= 0 and var i && i + 1 < args.Length ? args[i + 1] : null;
        var sides = new[] { "a", "b" }.Select(s => (Side: s, Name: Arg($"--{s}-name") ?? s, Url: Arg($"--{s}-url"), Pid: Arg($"--{s}-pid"))).ToList();
        var password = Arg("--operator-password");
        if (sides.Any(s => s.Url is null || s.Pid is null) || password is null)
            throw new ArgumentException("cost-ab needs --a-url, --a-pid, --b-url, --b-pid and --operator-password.");
        var rounds = int.Parse(Arg("--rounds") ?? "10", CultureInfo.InvariantCulture);
        var window = TimeSpan.FromSeconds(double.Parse(Arg("--window") ?? "4", CultureInfo.InvariantCulture));
        var clients = int.Parse(Arg("--clients") ?? "16", CultureInfo.InvariantCulture);
        var ct = CancellationToken.None;

        List<(string Name, ParleyApi Api, ServerProbe Server, Func<Task<HttpStatusCode>> Send)> servers = [];
        foreach (var (side, name, url, pid) in sides)
        {
            var api = new ParleyApi(new Uri(url!));
            var org = await Provisioner.CreateAsync(api, "operator@bench.test", password, 2, side, BenchMain.Log, ct);
            var pair = (await Provisioner.OpenPairsAsync(api, org.Users, ct))[0];
            var sent = 0;
            servers.Add((name, api, new ServerProbe(int.Parse(pid!, CultureInfo.InvariantCulture)),
                () => api.SendMessageAsync(pair, $"cost {Interlocked.Increment(ref sent)}", org.Users[0].Token, ct)));
        }
        foreach (var s in servers)
            await RequestCost.RepeatAsync(s.Send, clients, TimeSpan.FromSeconds(5), ct);   // warm-up: JIT, pools

        BenchMain.Log($"cost-ab: {rounds} rounds of {window.TotalSeconds} s windows, {clients} clients sending, order A B B A ...");
        var micros = servers.ToDictionary(s => s.Name, _ => new List<double>());
        var ratios = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var s in round % 2 == 0 ? servers : Enumerable.Reverse(servers))
            {
                var cpu = s.Server.CpuSeconds();
                var done = await RequestCost.RepeatAsync(s.Send, clients, window, ct);
                await Task.Delay(Settle, ct);   // work the window's sends left behind (the log takes entries in each second) counts too
                micros[s.Name].Add((s.Server.CpuSeconds() - cpu) * 1e6 / Math.Max(1, done));
            }
            ratios.Add(micros[servers[1].Name][^1] / micros[servers[0].Name][^1]);
            BenchMain.Log(string.Create(CultureInfo.InvariantCulture,
                $"  round {round + 1,2}: {servers[0].Name} {micros[servers[0].Name][^1],6:0} µs/send, {servers[1].Name} {micros[servers[1].Name][^1],6:0} µs/send, ratio {ratios[^1]:0.00} (load {ServerProbe.LoadAverage()})"));
        }
        ratios.Sort();
        double Median(List<double> v) { var s = v.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
        BenchMain.Log(string.Create(CultureInfo.InvariantCulture,
            $"cost-ab: {servers[1].Name}/{servers[0].Name} CPU per send: median ratio {Median(ratios):0.00}, quartiles {ratios[ratios.Count / 4]:0.00}–{ratios[3 * ratios.Count / 4]:0.00}, " +
            $"range {ratios[0]:0.00}–{ratios[^1]:0.00}; median µs/send {servers[0].Name} {Median(micros[servers[0].Name]):0}, {servers[1].Name} {Median(micros[servers[1].Name]):0}"));
        foreach (var s in servers)
            s.Api.Dispose();
        return 0;
    }
}
