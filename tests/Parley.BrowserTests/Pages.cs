using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

public static class Pages
{
    /// <summary>The web client's sources (for fixtures such as the app icon).</summary>
    public static string WebRoot { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Parley.Web"));

    /// <summary>Waits until the live connection is up (the connection banner is gone).</summary>
    public static async Task OnlineAsync(IPage page) => await Expect(page.Locator(".banner")).ToHaveCountAsync(0);
}
