using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.IntegrationTests.Profiles;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>
/// Profiles as people use them: editing one's own in Settings, the card a click on a name opens, avatars drawn as
/// initials on a colour of each person's own, a custom status others see live, and the first-day home page. The
/// screenshots go to a temporary folder, or to docs/screenshots with PARLEY_SCREENSHOTS=docs.
/// </summary>
public sealed class ProfileTests
{
    private readonly BrowserFixture _f;

    public ProfileTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    public sealed record Texts(string Locale, string Name, string JobTitle, string TimeZone, string SaveProfile, string Saved,
        string StatusText, string StatusEmoji, string SetStatus, string StatusSet, string Photo, string UsePhoto, string PhotoSaved,
        string LocalTime, string SendMessage, string Next);

    private static readonly Texts English = new("en-US", "Display name", "Job title", "Time zone", "Save profile", "Profile saved.",
        "What are you up to?", "Emoji", "Set status", "Status set.", "Profile photo (PNG, JPEG or WebP, up to 5 MB)", "Use this photo",
        "Photo saved.", "Local time", "Send a message", "What to do next");

    private static readonly Texts French = new("fr-FR", "Nom affiché", "Poste", "Fuseau horaire", "Enregistrer le profil", "Profil enregistré.",
        "Que faites-vous ?", "Emoji", "Définir le statut", "Statut défini.", "Photo de profil (PNG, JPEG ou WebP, 5 Mo au plus)",
        "Utiliser cette photo", "Photo enregistrée.", "Heure locale", "Envoyer un message", "Et maintenant ?");

    [Theory]
    [InlineData(1280, 800, "en")]
    [InlineData(360, 740, "fr")]
    public async Task A_person_edits_their_profile_and_a_colleague_sees_it_on_the_card(int width, int height, string language)
    {
        var text = language == "fr" ? French : English;
        var viewport = new ViewportSize { Width = width, Height = height };
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var channel = await org.Owner.CreateChannelAsync("sales", "public", bob);
        await bob.SendAsync(channel.Id, "Hello from Bob");
        var alice = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", text.Locale, viewport, bypassCsp: true);
        await Expect(alice.GetByText("Hello from Bob")).ToBeVisibleAsync();
        await Pages.OnlineAsync(alice);

        var settings = await _f.PageAsync(bob, "/settings", text.Locale, viewport);
        await settings.GetByLabel(text.Name, new() { Exact = true }).FillAsync("Bob Martin");
        await settings.GetByLabel(text.JobTitle).FillAsync("Account manager");
        await settings.GetByLabel(text.TimeZone).FillAsync("America/New_York");
        await settings.GetByRole(AriaRole.Button, new() { Name = text.SaveProfile }).ClickAsync();
        await Expect(settings.GetByRole(AriaRole.Status).Filter(new() { HasText = text.Saved })).ToBeVisibleAsync();
        await settings.GetByLabel(text.StatusEmoji, new() { Exact = true }).FillAsync("📅");
        await settings.GetByLabel(text.StatusText).FillAsync("In a meeting");
        await settings.GetByLabel(text.StatusText).PressAsync("Enter");                     // keyboard only: Enter submits
        await Expect(settings.GetByRole(AriaRole.Status).Filter(new() { HasText = text.StatusSet })).ToBeVisibleAsync();
        await settings.GetByLabel(text.Photo).SetInputFilesAsync(new FilePayload
        {
            Name = "me.png",
            MimeType = "image/png",
            Buffer = TestImages.Encoded(640, 480),
        });
        await settings.GetByRole(AriaRole.Button, new() { Name = text.UsePhoto }).ClickAsync();
        await Expect(settings.GetByRole(AriaRole.Status).Filter(new() { HasText = text.PhotoSaved })).ToBeVisibleAsync();
        await Layout.AssertNoHorizontalOverflowAsync(settings);

        // Alice's page hears the changes live: the new name, the status beside it, the photo instead of the initials.
        var message = alice.Locator(".message").Filter(new() { HasText = "Hello from Bob" });
        await Expect(message.GetByRole(AriaRole.Button, new() { Name = "Bob Martin" })).ToBeVisibleAsync();
        await Expect(message.GetByRole(AriaRole.Img, new() { Name = "📅 In a meeting", Exact = false })).ToBeVisibleAsync();
        await Expect(message.Locator("img.avatar")).ToBeVisibleAsync();

        // Keyboard only: the name opens the card, Escape closes it.
        await message.GetByRole(AriaRole.Button, new() { Name = "Bob Martin" }).FocusAsync();
        await alice.Keyboard.PressAsync("Enter");
        var card = alice.GetByRole(AriaRole.Dialog, new() { Name = "Bob Martin" });
        await Expect(card.GetByText("Account manager")).ToBeVisibleAsync();
        await Expect(card.GetByText("In a meeting")).ToBeVisibleAsync();
        await Expect(card.GetByText(text.LocalTime)).ToContainTextAsync("America/New_York");
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = text.SendMessage })).ToBeInViewportAsync();
        await AccessibilityTests.AssertAccessibleAsync(alice);
        await alice.ScreenshotAsync(new() { Path = Path.Combine(Screenshots.Folder(), $"profile-card-{language}-{width}.png") });
        await alice.Keyboard.PressAsync("Escape");
        await Expect(card).ToBeHiddenAsync();
    }

    [Fact]
    public async Task People_without_a_photo_get_their_initials_on_colours_that_tell_them_apart()
    {
        var org = await _f.App.OrganizationAsync();
        var bea = await org.MemberAsync("Bea");
        // Colours come from a hash of the id, so two people can share one by chance (1 in 360): take a Ben who does not.
        var ben = await org.MemberAsync("Ben");
        for (var n = 2; Hue(ben.Id) == Hue(bea.Id); n++)
            ben = await org.MemberAsync($"Ben{n}");
        await (await bea.PatchAsync("/api/v1/me/profile", new { displayName = "Béa Martin" })).ShouldBe(System.Net.HttpStatusCode.OK);
        await (await ben.PatchAsync("/api/v1/me/profile", new { displayName = "Ben Moreau" })).ShouldBe(System.Net.HttpStatusCode.OK);
        var channel = await org.Owner.CreateChannelAsync("lunch", "public", bea, ben);
        await bea.SendAsync(channel.Id, "Pizza?");
        await ben.SendAsync(channel.Id, "Sushi!");

        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", bypassCsp: true);
        var beaAvatar = page.Locator(".message").Filter(new() { HasText = "Pizza?" }).Locator(".avatar.initials");
        var benAvatar = page.Locator(".message").Filter(new() { HasText = "Sushi!" }).Locator(".avatar.initials");

        await Expect(beaAvatar).ToHaveTextAsync("BM");
        await Expect(benAvatar).ToHaveTextAsync("BM");
        const string Background = "e => getComputedStyle(e).backgroundColor";
        const string ColourOfHue = "h => { const e = document.createElement('div'); e.style.background = `hsl(${h} 55% 30%)`; document.body.append(e); " +
            "const c = getComputedStyle(e).backgroundColor; e.remove(); return c; }";
        var colours = await Task.WhenAll(beaAvatar.EvaluateAsync<string>(Background), benAvatar.EvaluateAsync<string>(Background));
        Assert.Equal(await page.EvaluateAsync<string>(ColourOfHue, (int)Hue(bea.Id)), colours[0]);
        Assert.Equal(await page.EvaluateAsync<string>(ColourOfHue, (int)Hue(ben.Id)), colours[1]);
        Assert.NotEqual(colours[0], colours[1]);
        await AccessibilityTests.AssertAccessibleAsync(page);
    }

    /// <summary>The hue the web client gives a person: FNV-1a of the id's text, modulo 360 (Profile.tsx, colourOf).</summary>
    private static uint Hue(Guid id)
    {
        var hash = 0x811c9dc5u;
        foreach (var c in id.ToString())
            hash = unchecked((hash ^ c) * 0x01000193u);
        return hash % 360;
    }

    [Theory]
    [InlineData(1280, 800, "en")]
    [InlineData(360, 740, "fr")]
    public async Task On_their_first_day_a_newcomer_is_in_the_default_channels_and_told_what_to_do_next(int width, int height, string language)
    {
        var text = language == "fr" ? French : English;
        var org = await _f.App.OrganizationAsync();
        var general = await org.Owner.CreateChannelAsync("general");
        await (await org.Owner.PutAsync("/api/v1/organization/default-channels", new { conversationIds = new[] { general.Id } }))
            .ShouldBe(System.Net.HttpStatusCode.OK);
        var carol = await org.MemberAsync("Carol");

        var page = await _f.PageAsync(carol, "/", text.Locale, new ViewportSize { Width = width, Height = height }, bypassCsp: true);

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = text.Next })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "general", Exact = true })).ToBeInViewportAsync();   // in the list
        await Layout.AssertNoHorizontalOverflowAsync(page);
        await AccessibilityTests.AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots.Folder(), $"first-day-{language}-{width}.png") });
    }
}

/// <summary>Where screenshots go: a temporary folder, or docs/screenshots with PARLEY_SCREENSHOTS=docs.</summary>
public static class Screenshots
{
    public static string Folder()
    {
        var folder = Environment.GetEnvironmentVariable("PARLEY_SCREENSHOTS") == "docs"
            ? Path.GetFullPath(Path.Combine(Pages.WebRoot, "../../docs/screenshots"))
            : Path.Combine(Path.GetTempPath(), "parley-screens");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
