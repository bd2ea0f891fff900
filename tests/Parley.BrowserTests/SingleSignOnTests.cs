using Parley.IntegrationTests.Identity;
using Parley.TestOidcProvider;
using static Microsoft.Playwright.Assertions;
using Microsoft.Playwright;

namespace Parley.BrowserTests;

/// <summary>Signing in through the organization's OpenID Connect provider (a real one on loopback), as a person does.</summary>
public sealed class SingleSignOnTests
{
    private readonly BrowserFixture _f;

    public SingleSignOnTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Fact]
    public async Task The_button_appears_for_the_email_domain_and_signs_in_through_the_provider()
    {
        await using var provider = await OidcTestProvider.StartAsync();
        var org = await _f.App.OrganizationAsync();
        await OidcFlow.ConfigureAsync(_f.App, provider, org);
        var username = $"carol-{Guid.NewGuid():N}";
        provider.AddUser(new TestUser(username, "provider-password", $"sub-{Guid.NewGuid():N}", $"carol@{org.Domain}", Name: "Carol Provided"));
        // The server reads the provider's discovery document and keys on the first start, which the page's navigation
        // would otherwise wait for: a start over HTTP first, which must send the browser to the provider.
        using (var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_f.Url("/")) })
        {
            var start = await http.GetAsync($"/api/v1/auth/oidc/{org.Id}/start", TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.Redirect, start.StatusCode);
            Assert.StartsWith(provider.Issuer.ToString(), start.Headers.Location!.ToString());
        }
        var page = await _f.PageAsync(null);
        var button = page.GetByRole(AriaRole.Link, new() { Name = "Sign in with Test provider" });

        await page.GetByLabel("Email").FillAsync("carol@elsewhere.test");
        await page.GetByLabel("Password").FocusAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Parley" })).ToBeVisibleAsync();
        await Expect(button).ToHaveCountAsync(0);
        await page.GetByLabel("Email").FillAsync($"carol@{org.Domain}");
        await button.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.GetByLabel("Username").FillAsync(username);
        await page.GetByLabel("Password").FillAsync("provider-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Navigation)).ToContainTextAsync(org.Domain);
        Assert.Equal(_f.Url("/"), page.Url);
        var stored = await page.EvaluateAsync<string>("() => localStorage.getItem('parley.session')");
        Assert.Contains($"carol@{org.Domain}", stored);
        Assert.Contains("Carol Provided", stored);
    }
}
