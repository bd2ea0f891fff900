using Parley.Server.Realtime;

namespace Parley.Tests;

public class AnnouncementOrderTests
{
    [Fact]
    public async Task Events_announced_out_of_order_are_pushed_in_record_order()
    {
        var order = new AnnouncementOrder(TimeProvider.System) { MaxWait = TimeSpan.FromSeconds(10) };
        var pushed = new List<long>();
        Func<long, Task> push = p => { lock (pushed) pushed.Add(p); return Task.CompletedTask; };
        await order.RunInOrderAsync(1, 10, () => push(10));

        var twelve = order.RunInOrderAsync(1, 12, () => push(12));
        var thirteen = order.RunInOrderAsync(1, 13, () => push(13));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.Equal([10L], pushed);                                  // 12 and 13 wait for 11
        await order.RunInOrderAsync(1, 11, () => push(11));
        await Task.WhenAll(twelve, thirteen);

        Assert.Equal([10L, 11L, 12L, 13L], pushed);
    }

    [Fact]
    public async Task A_missing_predecessor_delays_an_event_only_for_a_while_and_other_conversations_not_at_all()
    {
        var order = new AnnouncementOrder(TimeProvider.System) { MaxWait = TimeSpan.FromMilliseconds(300) };
        var pushed = new List<string>();
        await order.RunInOrderAsync(1, 1, () => { pushed.Add("a1"); return Task.CompletedTask; });

        var gap = order.RunInOrderAsync(1, 5, () => { lock (pushed) pushed.Add("a5"); return Task.CompletedTask; });
        await order.RunInOrderAsync(2, 7, () => { lock (pushed) pushed.Add("b7"); return Task.CompletedTask; });
        await gap;

        Assert.Equal(["a1", "b7", "a5"], pushed);
    }
}
