using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.DirectorySync;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>An admin connects a real slapd in settings, on a phone and by keyboard, syncs it and reads the report.</summary>
public sealed class DirectorySyncSettingsTests : IClassFixture<LocalLdapServer>
{
    private static readonly ViewportSize Phone = new() { Width = 360, Height = 740 };
    private readonly BrowserFixture _f;
    private readonly LocalLdapServer _ldap;

    public DirectorySyncSettingsTests(BrowserFixture fixture, LocalLdapServer ldap)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
        _ldap = ldap;
    }

    [Fact]
    public async Task An_admin_connects_the_directory_syncs_it_and_reads_the_report()
    {
        var org = await _f.App.OrganizationAsync();
        var tree = await _ldap.NewTreeAsync();
        var ada = $"ada-{Guid.NewGuid():N}@{org.Domain}";
        await _ldap.AddAsync(LocalLdapServer.Person(tree, "ada", ada, "Ada Lovelace", "Engineer")
            + LocalLdapServer.Person(tree, "alan", $"alan-{Guid.NewGuid():N}@{org.Domain}", "Alan Turing")
            + LocalLdapServer.Person(tree, "nomail", null, "No Mail"));
        var page = await _f.PageAsync(org.Owner, "/settings", viewport: Phone, bypassCsp: true);
        var section = page.Locator("section.directory");
        await Expect(section.GetByRole(AriaRole.Heading, new() { Name = "Directory sync (LDAP)" })).ToBeVisibleAsync();
        await Expect(section.GetByRole(AriaRole.Button, new() { Name = "Sync now" })).ToHaveCountAsync(0);

        await TypeAsync(page, "Server URL (ldap:// or ldaps://)", _ldap.Url);
        await TypeAsync(page, "Service account (bind DN)", LocalLdapServer.SyncDn);
        await TypeAsync(page, "Service account password", LocalLdapServer.SyncPassword);
        await page.GetByLabel("Sync automatically").SelectOptionAsync(new SelectOptionValue { Label = "Every day" });
        await TypeAsync(page, "Where the people are (base DN)", $"ou=people,{tree}");
        await page.Keyboard.PressAsync("Enter");   // submits the form
        await Expect(section.GetByRole(AriaRole.Status).Filter(new() { HasText = "Saved." })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Service account password", new() { Exact = true }))
            .ToHaveAttributeAsync("placeholder", "Stored. Leave empty to keep it.");

        await section.GetByRole(AriaRole.Button, new() { Name = "Sync now" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var report = section.Locator(".directory-report");
        await Expect(report).ToContainTextAsync("2 created, 0 updated, 0 deactivated, 0 reactivated, 1 skipped.");
        await Expect(report).ToContainTextAsync($"uid=nomail,ou=people,{tree}");
        await Expect(report).ToContainTextAsync("The entry has no email.");
        await Expect(section.Locator(".device-list li")).ToHaveCountAsync(1);
        await Expect(section.Locator(".device-list li").First).ToContainTextAsync("Done");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));

        var run = Assert.Single(await org.Owner.GetOkAsync<List<DirectorySyncRunDto>>("/api/v1/organization/directory/runs"));
        Assert.Equal("done", run.State);
        var settings = await org.Owner.GetOkAsync<DirectorySettingsDto>("/api/v1/organization/directory");
        Assert.True(settings.BindPasswordSet);
        Assert.Equal($"ou=people,{tree}", settings.BaseDn);
        Assert.Equal(1440, settings.IntervalMinutes);
        await AccessibilityTests.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task Members_do_not_see_it()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var member = await _f.PageAsync(bob, "/settings");
        var owner = await _f.PageAsync(org.Owner, "/settings");

        await Expect(owner.GetByRole(AriaRole.Heading, new() { Name = "Directory sync (LDAP)" })).ToBeVisibleAsync();
        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "Signed-in devices" })).ToBeVisibleAsync();
        await Expect(member.GetByRole(AriaRole.Heading, new() { Name = "Directory sync (LDAP)" })).ToHaveCountAsync(0);
    }

    private static async Task TypeAsync(IPage page, string label, string text)
    {
        await page.GetByLabel(label, new() { Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("ControlOrMeta+A");
        await page.Keyboard.TypeAsync(text);
    }
}
