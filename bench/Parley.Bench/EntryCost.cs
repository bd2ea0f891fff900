using System.Diagnostics;
using System.Globalization;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;

namespace Parley.Bench;

/// <summary>
/// <c>entry-cost</c>: the CPU a send spends building its record entry, and the sequencer spends checking and hashing it
/// into the log, measured in this process on one thread, away from HTTP, EF Core and the thread pool. On a shared machine
/// this tells the record's share of a send more steadily than the server's CPU time does.
/// </summary>
public static class EntryCost
{
    public static int Run(string[] args)
    {
        var count = args is [var n, ..] ? int.Parse(n, CultureInfo.InvariantCulture) : 50_000;
        var (org, actor) = (Guid.NewGuid(), Guid.NewGuid());
        var at = DateTimeOffset.UtcNow;
        var previous = new string('0', 64);
        var entries = new RecordEntry[count];
        for (var round = 0; round < 2; round++)   // the first round warms the JIT up
        {
            var build = Measure(() =>
            {
                for (var i = 0; i < count; i++)
                {
                    var text = $"cost {i}";
                    entries[i] = new RecordEntry(org, 7, i + 1, RecordKind.MessagePosted, i + 1, actor, at,
                        RecordFacts.Posted(null, [], MarkdownRenderer.Version), RecordFacts.MessageContent(text, $"<p>{text}</p>"), previous);
                    previous = entries[i].Hash;
                }
            });
            var sequence = Measure(() =>
            {
                foreach (var e in entries)
                    if (e.Hash != e.ComputeHash() || e.LeafHash().Length != 32)
                        throw new InvalidOperationException("An entry does not match its hash.");
            });
            if (round == 1)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"entry-cost: build {build * 1e6 / count:0.0} µs/entry (as SendMessage does), sequencer check and leaf hash {sequence * 1e6 / count:0.0} µs/entry ({count:N0} entries, one thread)"));
        }
        return 0;
    }

    /// <summary>CPU seconds of this process spent in <paramref name="work"/> (one thread does it; the GC may add its own).</summary>
    private static double Measure(Action work)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        work();
        return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
    }
}
