using System.Diagnostics;

namespace Parley.Bench;

/// <summary>
/// The GDPR access export (<c>GET /api/v1/me/personal-data</c>) of the person who sent the seeded history, timed from
/// the request to the last byte of the archive, with the server's CPU: a person with 100,000 messages must have theirs
/// within the hour.
/// </summary>
public static class GdprScenario
{
    public static async Task<GdprResult> RunAsync(ParleyApi api, ServerProbe server, BenchUser owner, HistoryScenario.Seeded seeded,
        Action<string> log, CancellationToken ct)
    {
        var messages = seeded.ViaApi + seeded.Bulk;
        log($"gdpr: the access export of the person who sent the {messages:N0} history messages");
        var cpu0 = server.CpuSeconds();
        var clock = Stopwatch.StartNew();
        var bytes = await api.DownloadAsync("/api/v1/me/personal-data", owner.Token, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = server.CpuSeconds() - cpu0;
        var result = new GdprResult(messages, Math.Round(seconds, 1), bytes, Math.Round(cpu, 1), Math.Round(messages / seconds),
            Math.Round(seconds * 100_000 / messages / 60, 1));
        log($"  {bytes / 1048576.0:0.0} MiB in {result.Seconds} s ({result.MessagesPerSecond:N0} messages/s, {result.ServerCpuSeconds} s of server CPU); " +
            $"100,000 messages would take {result.MinutesPer100000} min");
        return result;
    }
}
