using Parley.Server.Realtime;

namespace Parley.Tests;

public class AnnouncementOrderTests
{
    private readonly AnnouncementOrder _order = new();
    private readonly List<string> _pushed = [];

    private Func<Task> Push(string what) => () =>
    {
        lock (_pushed)
            _pushed.Add(what);
        return Task.CompletedTask;
    };

    private AnnouncementOrder.Turn Taken(long conversationId)
    {
        var turn = _order.For(conversationId);
        turn.Take();
        return turn;
    }

    [Fact]
    public async Task Turns_push_in_the_order_they_were_taken_even_the_first_ones_of_a_conversation()
    {
        var (first, second, third) = (Taken(1), Taken(1), Taken(1));

        var thirdPush = third.PushAsync(Push("3"));
        var secondPush = second.PushAsync(Push("2"));

        Assert.False(thirdPush.IsCompleted);               // both wait for the first turn, which has not pushed
        Assert.False(secondPush.IsCompleted);
        Assert.Empty(_pushed);
        await first.PushAsync(Push("1"));
        await Task.WhenAll(secondPush, thirdPush);
        Assert.Equal(["1", "2", "3"], _pushed);
    }

    [Fact]
    public async Task A_turn_that_ends_without_pushing_lets_later_turns_go_only_after_earlier_ones()
    {
        var (first, rolledBack, third) = (Taken(1), Taken(1), Taken(1));

        var thirdPush = third.PushAsync(Push("3"));
        await rolledBack.DisposeAsync();

        Assert.False(thirdPush.IsCompleted);               // still behind the first turn
        await first.PushAsync(Push("1"));
        await thirdPush;
        Assert.Equal(["1", "3"], _pushed);
    }

    [Fact]
    public async Task A_failed_push_ends_its_turn()
    {
        var (failing, next) = (Taken(1), Taken(1));

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.PushAsync(() => throw new InvalidOperationException("down")));
        await next.PushAsync(Push("2"));

        Assert.Equal(["2"], _pushed);
    }

    [Fact]
    public async Task Other_conversations_do_not_wait()
    {
        var waiting = Taken(1);
        var blocked = Taken(1).PushAsync(Push("a2"));

        await Taken(2).PushAsync(Push("b1"));

        Assert.Equal(["b1"], _pushed);
        Assert.False(blocked.IsCompleted);
        await waiting.DisposeAsync();
        await blocked;
        Assert.Equal(["b1", "a2"], _pushed);
    }

    [Fact]
    public async Task A_turn_disposed_before_it_was_taken_holds_nobody_up()
    {
        await using (var _ = _order.For(1)) { }            // the request failed before it reached the lock

        await Taken(1).PushAsync(Push("1"));

        Assert.Equal(["1"], _pushed);
    }
}
