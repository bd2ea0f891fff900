using System.Net;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Compliance;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>
/// The compliance console as a compliance officer meets it: the console is their home, with no conversation to read;
/// they set retention with its dry run, place and release a legal hold, and check the record, on desktop and on a phone.
/// </summary>
public sealed class ComplianceConsoleTests
{
    private static readonly ViewportSize Phone = new() { Width = 360, Height = 740 };
    private readonly BrowserFixture _f;

    public ComplianceConsoleTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Fact]
    public async Task An_officer_sets_retention_places_and_releases_a_hold_and_checks_the_record()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var olga = await org.MemberAsync("Olga", "compliance");
        var deals = await org.Owner.CreateChannelAsync("deals", "private", bob);
        await bob.SendAsync(deals.Id, "Signed the Globex renewal");
        await (await org.Owner.PostAsync("/api/v1/admin/record/checkpoints")).ShouldBe(HttpStatusCode.OK);
        var page = await _f.PageAsync(olga);
        page.Dialog += (_, dialog) => dialog.AcceptAsync();

        // Home is the console; no conversation lists for someone who reads none.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Compliance", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Channels" })).ToHaveCountAsync(0);
        await Expect(page.GetByText("Entries in the last checkpoint")).ToBeVisibleAsync();

        // Retention: a policy for one private conversation, by keyboard, then the dry run.
        var retention = page.GetByRole(AriaRole.Region, new() { Name = "Retention" });
        await retention.GetByLabel("Applies to").SelectOptionAsync(new SelectOptionValue { Label = "One conversation" });
        await retention.GetByLabel("Conversation", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "deals" });
        await retention.GetByLabel("Minimum, in days (empty: none)").FillAsync("400");
        await retention.GetByLabel("Maximum, in days (empty: keep for ever)").FillAsync("30");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("minimum");      // the server's own words
        await retention.GetByLabel("Minimum, in days (empty: none)").FillAsync("7");
        await retention.GetByRole(AriaRole.Button, new() { Name = "Save the policy" }).ClickAsync();
        var row = retention.GetByRole(AriaRole.Row).Filter(new() { HasText = "deals" });
        await Expect(row).ToContainTextAsync("7 days");
        await Expect(row).ToContainTextAsync("30 days");
        await retention.GetByRole(AriaRole.Button, new() { Name = "What would the next purge erase?" }).ClickAsync();
        await Expect(retention.GetByRole(AriaRole.Status)).ToContainTextAsync("The next purge would erase 0 messages.");
        var policy = Assert.Single(await olga.GetOkAsync<List<RetentionPolicyDto>>("/api/v1/compliance/retention/policies"));
        Assert.Equal((deals.Id, 7, 30), (policy.ConversationId!.Value, policy.MinimumDays!.Value, policy.MaximumDays!.Value));

        // A hold on Bob in that conversation, then its release.
        var holds = page.GetByRole(AriaRole.Region, new() { Name = "Legal holds" });
        await holds.GetByLabel("Name (a matter or case)").FillAsync("Globex audit");
        await holds.GetByLabel("People (custodians)").SelectOptionAsync(new SelectOptionValue { Label = $"Bob ({bob.Email})" });
        await holds.GetByLabel("Conversations", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "deals" });
        await holds.GetByLabel("Words").FillAsync("renewal, Globex");
        await holds.GetByRole(AriaRole.Button, new() { Name = "Place the hold" }).ClickAsync();
        var item = holds.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "Globex audit" });
        await Expect(item).ToContainTextAsync("active");
        await Expect(item).ToContainTextAsync("people: Bob");
        await Expect(item).ToContainTextAsync("conversations: deals");
        var hold = Assert.Single(await olga.GetOkAsync<List<LegalHoldDto>>("/api/v1/compliance/holds"));
        Assert.Equal((bob.Id, deals.Id), (Assert.Single(hold.CustodianIds), Assert.Single(hold.ConversationIds)));
        Assert.Equal(["renewal", "Globex"], hold.Words);
        await page.EvaluateAsync("() => document.getElementById('holds').scrollIntoView()");
        await Screens.SaveAsync(page, "compliance-console.png");

        await item.GetByRole(AriaRole.Button, new() { Name = "Release the hold Globex audit" }).ClickAsync();
        await Expect(item).ToContainTextAsync("released");
        Assert.Equal("released", Assert.Single(await olga.GetOkAsync<List<LegalHoldDto>>("/api/v1/compliance/holds")).Status);

        // The record checks out, and the setting is for admins to change.
        await page.GetByRole(AriaRole.Button, new() { Name = "Check integrity now" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "The record" }).GetByRole(AriaRole.Status)).ToContainTextAsync("Intact:");
        await Expect(page.GetByLabel("Releasing a hold needs a second approver")).ToBeDisabledAsync();
    }

    [Fact]
    public async Task An_officer_finds_every_version_exports_the_results_and_downloads_a_verifiable_archive()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var olga = await org.MemberAsync("Olga", "compliance");
        var deals = await org.Owner.CreateChannelAsync("deals", "private", bob);
        var price = await bob.SendAsync(deals.Id, "The Globex price is 40k");
        await (await bob.PatchAsync($"/api/v1/conversations/{deals.Id}/messages/{price.Id}", new { content = "The Globex price is 45k" }))
            .ShouldBe(HttpStatusCode.OK);
        await bob.SendAsync(deals.Id, "Lunch at noon?");
        var page = await _f.PageAsync(olga, "/compliance");

        var search = page.GetByRole(AriaRole.Region, new() { Name = "Search" });
        await search.GetByLabel("Words").FillAsync("GLOBEX");
        await search.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(search.GetByRole(AriaRole.Status)).ToContainTextAsync("Messages found: 1.");
        var result = search.GetByRole(AriaRole.List, new() { Name = "Results" }).GetByRole(AriaRole.Listitem).First;
        await Expect(result).ToContainTextAsync("The Globex price is 45k");
        await Expect(result).ToContainTextAsync("Bob in deals");
        await Expect(result).ToContainTextAsync("Members when sent:");
        await result.GetByText("2 versions").ClickAsync();
        await Expect(result).ToContainTextAsync("The Globex price is 40k");

        await Expect(search.GetByLabel("Format").Locator("option[value=actiance]")).ToHaveTextAsync("Actiance XML (for Smarsh / Vantage)");
        await search.GetByLabel("Format").SelectOptionAsync("csv");
        await search.GetByRole(AriaRole.Button, new() { Name = "Export these results" }).ClickAsync();
        var exports = page.GetByRole(AriaRole.Region, new() { Name = "Exports" });
        await Expect(exports).ToContainTextAsync("ready", new() { Timeout = 60_000 });
        var download = await page.RunAndWaitForDownloadAsync(() => exports.GetByRole(AriaRole.Button, new() { Name = "Download" }).ClickAsync());
        using var archive = System.IO.Compression.ZipFile.OpenRead(await download.PathAsync());
        var names = archive.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("manifest.json", names);
        Assert.Contains("manifest.sig", names);
        var csv = archive.Entries.Single(e => e.FullName.StartsWith("items/", StringComparison.Ordinal) && e.FullName.EndsWith(".csv", StringComparison.Ordinal));
        using var reader = new StreamReader(csv.Open());
        var text = await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.Contains("The Globex price is 40k", text);
        Assert.DoesNotContain("Lunch at noon?", text);
    }

    [Fact]
    public async Task The_console_fits_a_phone_in_French()
    {
        var org = await _f.App.OrganizationAsync();
        var olga = await org.MemberAsync("Olga", "compliance");
        await org.Owner.CreateChannelAsync("ventes", "public");
        await (await olga.PostAsync("/api/v1/compliance/holds", new { name = "Dossier 12" })).ShouldBe(HttpStatusCode.Created);
        var page = await _f.PageAsync(olga, "/compliance", locale: "fr-FR", viewport: Phone);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Conformité", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Conservations légales" })).ToContainTextAsync("Dossier 12");
        await Expect(page.GetByText("Aucune règle : tout est conservé sans limite.")).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        await Screens.SaveAsync(page, "compliance-console-phone-fr.png");
    }
}
