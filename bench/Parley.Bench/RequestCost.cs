using System.Diagnostics;
using System.Net;

namespace Parley.Bench;

/// <summary>CPU per request is null when no request completed inside the window (a stalled server).</summary>
public sealed record RequestCostResult(string Request, int Clients, double PerSecond, double? ServerCpuMicrosPerRequest);

/// <summary>
/// Server CPU per request for a few requests, each repeated back to back by 1 and by 16 clients: what the framework
/// costs (health check), what an authenticated read costs, and what a durable send costs without anyone to deliver to.
/// It tells a change in the request path from a change in fan-out, which the ladders mix.
/// </summary>
public static class RequestCost
{
    private static readonly int[] Clients = [1, 16];

    public static async Task<List<RequestCostResult>> RunAsync(ParleyApi api, ServerProbe server, BenchUser user, long conversationId,
        TimeSpan window, Action<string> log, CancellationToken ct)
    {
        log("Request cost (server CPU per request):");
        var sent = 0;
        List<(string Name, Func<Task<HttpStatusCode>> Call)> requests =
        [
            ("GET /healthz", () => api.GetStatusAsync("/healthz", null, ct)),
            ("GET /api/v1/users/me", () => api.GetStatusAsync("/api/v1/users/me", user.Token, ct)),
            ("POST /api/v1/conversations/{id}/messages", () =>
                api.SendMessageAsync(conversationId, $"cost {Interlocked.Increment(ref sent)}", user.Token, ct)),
        ];
        List<RequestCostResult> results = [];
        foreach (var (name, call) in requests)
            foreach (var clients in Clients)
            {
                await RepeatAsync(call, clients, TimeSpan.FromSeconds(1), ct);   // warm-up
                var cpu = server.CpuSeconds();
                var clock = Stopwatch.StartNew();
                var done = await RepeatAsync(call, clients, window, ct);
                var seconds = clock.Elapsed.TotalSeconds;
                cpu = server.CpuSeconds() - cpu;
                var result = new RequestCostResult(name, clients, Math.Round(done / seconds), done == 0 ? null : Math.Round(cpu * 1e6 / done));
                results.Add(result);
                log(result.ServerCpuMicrosPerRequest is { } micros
                    ? $"  {name,-42} {clients,2} clients: {result.PerSecond,6:0}/s, {micros,5:0} µs"
                    : $"  {name,-42} {clients,2} clients: no request completed in {seconds:0} s (the server stalled)");
            }
        return results;
    }

    internal static async Task<long> RepeatAsync(Func<Task<HttpStatusCode>> call, int clients, TimeSpan duration, CancellationToken ct)
    {
        long done = 0;
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var status = await call();
                if ((int)status is < 200 or > 299)
                    throw new InvalidOperationException($"A request-cost call answered {(int)status}.");
                Interlocked.Increment(ref done);
            }
        }, ct)));
        return done;
    }
}
