using System.Net;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Scim;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>An admin makes and revokes the directory's provisioning token in settings, by keyboard, on a phone.</summary>
public sealed class ProvisioningTests
{
    private static readonly ViewportSize Phone = new() { Width = 360, Height = 740 };
    private readonly BrowserFixture _f;

    public ProvisioningTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Fact]
    public async Task An_admin_makes_a_token_sees_it_once_and_revokes_it_by_keyboard()
    {
        var org = await _f.App.OrganizationAsync();
        var page = await _f.PageAsync(org.Owner, "/settings", viewport: Phone);

        await page.GetByLabel("What the token is for").FocusAsync();
        await page.Keyboard.TypeAsync("Entra ID");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your new token" })).ToBeVisibleAsync();
        var shown = await page.Locator(".provisioning dd code").Nth(1).InnerTextAsync();
        await Expect(page.Locator(".provisioning dd code").First).ToHaveTextAsync($"{_f.App.BaseAddress.ToString().TrimEnd('/')}/scim/v2");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        using (var scim = new HttpClient { BaseAddress = _f.App.BaseAddress })
        {
            scim.DefaultRequestHeaders.Authorization = new("Bearer", shown);
            Assert.Equal(HttpStatusCode.OK, (await scim.GetAsync("/scim/v2/Users", TestContext.Current.CancellationToken)).StatusCode);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "I have copied it" }).ClickAsync();
        await Expect(page.GetByText(shown)).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke the token Entra ID" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".provisioning .device-list")).ToContainTextAsync("Revoked");
        var token = Assert.Single(await org.Owner.GetOkAsync<List<ScimTokenDto>>("/api/v1/organization/scim-tokens"));
        Assert.NotNull(token.RevokedAt);
    }

    [Fact]
    public async Task Members_do_not_see_it_and_it_speaks_French()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var member = await _f.PageAsync(bob, "/settings");
        var french = await _f.PageAsync(org.Owner, "/settings", locale: "fr-FR");

        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "Signed-in devices" })).ToBeVisibleAsync();
        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "Provisioning (SCIM)" })).ToHaveCountAsync(0);
        await Expect(french.GetByRole(AriaRole.Heading, new() { Name = "Provisionnement (SCIM)" })).ToBeVisibleAsync();
        await Expect(french.GetByRole(AriaRole.Button, new() { Name = "Créer un jeton" })).ToBeVisibleAsync();
    }
}
