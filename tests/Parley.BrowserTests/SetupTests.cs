using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Organizations;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>A server on an empty database with no bootstrap settings: it waits for someone to set it up.</summary>
public sealed class EmptyServer : ParleyApp
{
    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;
    protected override string ConnectionString { get; } = $"Data Source={Path.Combine(Path.GetTempPath(), $"parley-empty-{Guid.NewGuid():N}.db")}";
    protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [new("Parley:Bootstrap:Organization", ""), new("Parley:Bootstrap:Email", ""), new("Parley:Bootstrap:Password", "")];
}

public sealed class SetupTests : IClassFixture<EmptyServer>
{
    private readonly BrowserFixture _f;
    private readonly EmptyServer _server;

    public SetupTests(BrowserFixture fixture, EmptyServer server)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
        _server = server;
    }

    [Fact]
    public async Task The_first_owner_sets_up_the_organization_from_the_setup_link_once()
    {
        // The server printed a link at start; a fresh one from the same single-use holder stands in for it here.
        var token = _server.Services.GetRequiredService<SetupToken>().Issue();
        var context = await _f.Browser.NewContextAsync(new() { Locale = "en-US" });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(_server.BaseAddress, $"/setup#{token}").ToString());

        await page.GetByLabel("Organization name").FillAsync("Acme Corp");
        await page.GetByLabel("Your name").FillAsync("Olivia");
        await page.GetByLabel("Email").FillAsync("olivia@acme.test");
        await page.GetByLabel("Password").FillAsync("a long and happy password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the organization" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Welcome to Parley" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Navigation)).ToContainTextAsync("Acme Corp");

        var second = await context.NewPageAsync();
        await second.GotoAsync(new Uri(_server.BaseAddress, $"/setup#{token}").ToString());
        await second.EvaluateAsync("() => localStorage.clear()");
        await second.ReloadAsync();
        await second.GetByLabel("Organization name").FillAsync("Evil Corp");
        await second.GetByLabel("Your name").FillAsync("Eve");
        await second.GetByLabel("Email").FillAsync("eve@evil.test");
        await second.GetByLabel("Password").FillAsync("another long password");
        await second.GetByRole(AriaRole.Button, new() { Name = "Create the organization" }).ClickAsync();
        await Expect(second.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Setup is already done, or this link is no longer valid. Sign in instead.");
    }
}
