using System.Net;
using Microsoft.Playwright;
using OtpNet;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.TwoFactor;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>Two-step verification as a person meets it: setting it up in settings, and the second step of the sign-in.</summary>
public sealed class TwoFactorTests
{
    private static readonly ViewportSize Phone = new() { Width = 360, Height = 740 };
    private readonly BrowserFixture _f;

    public TwoFactorTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    /// <summary>The code an app shows now, or some steps later (the real clock: a later step is still within the drift allowed).</summary>
    private static string Code(string secret, int steps = 0) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(DateTime.UtcNow.AddSeconds(steps * TwoFactorCodes.StepSeconds));

    [Fact]
    public async Task Someone_with_two_factor_signs_in_on_a_phone_with_the_code_typed_by_keyboard()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var started = await (await bob.PostAsync("/api/v1/auth/two-factor/enrolment")).ReadAsync<TwoFactorEnrolmentDto>(HttpStatusCode.OK);
        await (await bob.PostAsync("/api/v1/auth/two-factor/enrolment/confirm", new { code = Code(started.Secret) })).ShouldBe(HttpStatusCode.OK);
        var page = await _f.PageAsync(null, viewport: Phone);

        await page.GetByLabel("Email").FillAsync(bob.Email);
        await page.GetByLabel("Password").FillAsync(bob.Password);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Two-step verification" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Code", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(Code(started.Secret, -2));            // an old code: wrong now
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The code is wrong. Check your authenticator app and try again.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Use a recovery code" }).ClickAsync();
        await Expect(page.GetByLabel("Recovery code")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Use the authenticator app" }).ClickAsync();
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(Code(started.Secret, 1));   // the confirmation used this step
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.GetByRole(AriaRole.Navigation)).ToContainTextAsync($"Org {org.Domain}");   // on a phone, home is the list
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
    }

    [Fact]
    public async Task Setting_up_two_factor_in_settings_shows_a_QR_code_the_key_and_the_recovery_codes_once()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var page = await _f.PageAsync(bob, "/settings", viewport: Phone);

        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "QR code for your authenticator app" })).ToBeVisibleAsync();
        var key = (await page.Locator(".two-factor-key dd code").First.InnerTextAsync()).Replace(" ", "");
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(Code(key));
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your recovery codes" })).ToBeVisibleAsync();
        await Expect(page.Locator(".recovery-codes li")).ToHaveCountAsync(10);
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await page.GetByRole(AriaRole.Button, new() { Name = "I have saved them" }).ClickAsync();
        await Expect(page.GetByText("Recovery codes left: 10")).ToBeVisibleAsync();
        await Expect(page.Locator(".recovery-codes")).ToHaveCountAsync(0);
        var status = await bob.GetOkAsync<TwoFactorStatusDto>("/api/v1/auth/two-factor");
        Assert.True(status.Enabled);
    }
}
