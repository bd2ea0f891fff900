using System.Text.Json;
using Microsoft.Playwright;
using Parley.BrowserTests;
using Parley.IntegrationTests.Infrastructure;

[assembly: AssemblyFixture(typeof(BrowserFixture))]

namespace Parley.BrowserTests;

/// <summary>
/// The real server (SQLite, real Kestrel socket) and Debian's Chromium driven by Playwright, shared by the browser
/// tests. Each test opens its own browser contexts, so sessions never mix.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public SqliteApp App { get; } = new();
    public IBrowser Browser { get; private set; } = null!;
    public bool IsAvailable => File.Exists(ChromiumPath);

    public async ValueTask InitializeAsync()
    {
        if (!IsAvailable)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
                throw new InvalidOperationException($"CI must provide Chromium at {ChromiumPath} (Debian package 'chromium').");
            return;
        }
        await App.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        Assertions.SetDefaultExpectTimeout(20_000);          // a shared 2-core machine: be patient, never flaky
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.DisposeAsync();
            _playwright.Dispose();
        }
        await App.DisposeAsync();
    }

    public string Url(string path = "/") => new Uri(App.BaseAddress, path).ToString();

    /// <summary>
    /// A browser context already signed in as the actor (the token the app keeps in local storage), in English;
    /// <paramref name="beforeLoad"/> runs before the first navigation (to route the network, say).
    /// </summary>
    public async Task<IPage> PageAsync(Actor? actor, string path = "/", string locale = "en-US", ViewportSize? viewport = null,
        bool bypassCsp = false, Func<IPage, Task>? beforeLoad = null)
    {
        var options = new BrowserNewContextOptions
        {
            Locale = locale,
            TimezoneId = "Europe/Paris",
            ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 800 },
            BypassCSP = bypassCsp,
            AcceptDownloads = true,
        };
        if (actor is not null)
            options.StorageState = await StorageStateAsync(actor);
        var context = await Browser.NewContextAsync(options);
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        if (beforeLoad is not null)
            await beforeLoad(page);
        await page.GotoAsync(Url(path));
        return page;
    }

    private async Task<string> StorageStateAsync(Actor actor)
    {
        var me = await actor.Http.GetStringAsync("/api/v1/users/me");
        var session = JsonSerializer.Serialize(new { token = actor.Token, me = JsonDocument.Parse(me).RootElement });
        return JsonSerializer.Serialize(new
        {
            cookies = Array.Empty<object>(),
            origins = new[] { new { origin = App.BaseAddress.GetLeftPart(UriPartial.Authority), localStorage = new[] { new { name = "parley.session", value = session } } } },
        });
    }
}

public static class Browsers
{
    public static void SkipUnlessAvailable(BrowserFixture fixture) =>
        Assert.SkipWhen(!fixture.IsAvailable, $"Chromium is not installed at {BrowserFixture.ChromiumPath} (Debian: apt-get install chromium); ./test.sh installs it when run as root.");
}
