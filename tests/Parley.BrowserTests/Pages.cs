using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

public static class Pages
{
    /// <summary>The web client's sources (for fixtures such as the app icon).</summary>
    public static string WebRoot { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../src/Parley.Web"));

    /// <summary>Waits until the live connection is up (the connection banner is gone).</summary>
    /// <summary>
    /// Clicks one of a message's action buttons, which show while the pointer is over the message. A render that moves the
    /// message from under the pointer (the list keeping its bottom in view) hides them again: hover again until it lands.
    /// </summary>
    public static async Task ClickMessageActionAsync(ILocator message, string action)
    {
        for (var attempt = 1; ; attempt++)
        {
            await message.HoverAsync();
            try
            {
                await message.GetByRole(AriaRole.Button, new() { Name = action }).ClickAsync(new() { Timeout = 3000 });
                return;
            }
            catch (TimeoutException) when (attempt < 5)
            {
            }
        }
    }

    public static async Task OnlineAsync(IPage page) => await Expect(page.Locator(".banner")).ToHaveCountAsync(0);

    /// <summary>Waits (with the page's deadline) until the user's outbox in IndexedDB holds no message.</summary>
    public static async Task OutboxEmptyAsync(IPage page, Actor user) => await page.WaitForFunctionAsync("""
        name => new Promise(done => {
          const open = indexedDB.open(name);
          open.onsuccess = () => {
            const db = open.result;
            if (!db.objectStoreNames.contains("messages")) { db.close(); done(true); return; }
            const count = db.transaction("messages").objectStore("messages").count();
            count.onsuccess = () => { db.close(); done(count.result === 0); };
          };
          open.onerror = () => done(false);
        })
        """, $"parley.outbox.{user.Id}", new() { PollingInterval = 100 });
}

/// <summary>Screenshots: to a temporary folder, or to docs/screenshots when PARLEY_SCREENSHOTS=docs (how the docs' pictures are made).</summary>
public static class Screens
{
    private static readonly Lazy<string> Where = new(() =>
    {
        var folder = Environment.GetEnvironmentVariable("PARLEY_SCREENSHOTS") == "docs"
            ? Path.GetFullPath(Path.Combine(Pages.WebRoot, "../../docs/screenshots"))
            : Directory.CreateTempSubdirectory("parley-screens").FullName;
        Directory.CreateDirectory(folder);
        return folder;
    });

    public static string Folder => Where.Value;

    public static Task SaveAsync(IPage page, string name) => page.ScreenshotAsync(new() { Path = Path.Combine(Folder, name) });
}
