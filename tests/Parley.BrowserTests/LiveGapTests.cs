using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>Record positions are contiguous: a live event that skips one means something was missed, and the client fetches it.</summary>
public sealed class LiveGapTests
{
    private readonly BrowserFixture _f;

    public LiveGapTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Fact]
    public async Task A_live_message_lost_on_the_way_is_fetched_when_the_next_one_shows_the_gap()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("lossy", "public", bob);
        await bob.SendAsync(channel.Id, "Before anything was lost");
        var dropped = new TaskCompletionSource();
        var connections = 0;
        // The hub's frames pass through, except the one event that carries the lost message (the connection stays up).
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", beforeLoad: page => page.RouteWebSocketAsync("**/hubs/events**", socket =>
        {
            Interlocked.Increment(ref connections);
            var server = socket.ConnectToServer();
            server.OnMessage(frame =>
            {
                if (frame.Text is not { } text) { socket.Send(frame.Binary!); return; }
                var records = text.Split('\u001e', StringSplitOptions.RemoveEmptyEntries);
                var kept = records.Where(record => !record.Contains("This one is lost")).ToList();
                if (kept.Count < records.Length) dropped.TrySetResult();
                if (kept.Count > 0) socket.Send(string.Concat(kept.Select(record => record + '\u001e')));
            });
        }));
        await Pages.OnlineAsync(page);
        await Expect(page.GetByText("Before anything was lost")).ToBeVisibleAsync();

        await bob.SendAsync(channel.Id, "This one is lost");
        await dropped.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
        await bob.SendAsync(channel.Id, "This one arrives");

        var log = page.GetByRole(AriaRole.Log, new() { Name = "Messages" });
        await Expect(log.GetByText("This one arrives")).ToBeVisibleAsync();
        await Expect(log.GetByText("This one is lost")).ToBeVisibleAsync();
        await Expect(log.Locator("article.message")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("Before anything was lost"),
            new System.Text.RegularExpressions.Regex("This one is lost"), new System.Text.RegularExpressions.Regex("This one arrives")]);

        Assert.Equal(1, Volatile.Read(ref connections));              // caught up without a reconnect
    }
}
