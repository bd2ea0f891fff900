using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>The full emoji picker: searched in the reader's language, driven by the keyboard, in the composer and for reactions.</summary>
public sealed class EmojiPickerTests
{
    private readonly BrowserFixture _f;

    public EmojiPickerTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    public sealed record Texts(string Locale, string Insert, string Search, string Rocket, string More, string React, string Composer);

    private static readonly Texts English = new("en-US", "Insert an emoji", "Search emoji", "rocket", "More emoji", "Add a reaction", "Message");

    private static readonly Texts French = new("fr-FR", "Insérer un emoji", "Chercher un emoji", "fusée", "Plus d’emoji", "Ajouter une réaction", "Message");

    [Theory]
    [InlineData(1280, 800, "en")]
    [InlineData(360, 740, "fr")]
    public async Task An_emoji_found_by_search_or_the_arrow_keys_goes_into_the_composer(int width, int height, string language)
    {
        var text = language == "fr" ? French : English;
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("launch");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", text.Locale, new ViewportSize { Width = width, Height = height }, bypassCsp: true);
        var composer = page.GetByRole(AriaRole.Textbox, new() { Name = text.Composer });
        await composer.FillAsync("Ready for launch ");

        var open = page.GetByRole(AriaRole.Button, new() { Name = text.Insert });
        await open.ClickAsync();
        var search = page.GetByRole(AriaRole.Combobox, new() { Name = text.Search });
        await Expect(search).ToBeFocusedAsync();
        await search.FillAsync(text.Rocket.ToUpperInvariant());                    // case and accents do not matter
        await Expect(page.GetByRole(AriaRole.Option, new() { Name = text.Rocket, Exact = true })).ToHaveAttributeAsync("aria-selected", "true");
        await AccessibilityTests.AssertAccessibleAsync(page);
        await search.PressAsync("Enter");

        await Expect(composer).ToHaveValueAsync("Ready for launch 🚀");
        await Expect(composer).ToBeFocusedAsync();

        // The keyboard alone: right once, down once (a row is 8), Enter; then Escape closes without picking.
        await open.ClickAsync();
        await Expect(search).ToBeFocusedAsync();
        var options = page.Locator(".emoji-grid").GetByRole(AriaRole.Option);       // not the notification level's options
        await Expect(options.Nth(0)).ToHaveAttributeAsync("aria-selected", "true");
        await search.PressAsync("ArrowRight");
        await search.PressAsync("ArrowDown");
        var chosen = options.Nth(9);
        await Expect(chosen).ToHaveAttributeAsync("aria-selected", "true");
        var emoji = await chosen.TextContentAsync();
        await search.PressAsync("Enter");
        await Expect(composer).ToHaveValueAsync($"Ready for launch 🚀{emoji}");

        await open.ClickAsync();
        await search.PressAsync("Escape");
        await Expect(search).ToBeHiddenAsync();
        await Expect(open).ToBeFocusedAsync();
        await Expect(composer).ToHaveValueAsync($"Ready for launch 🚀{emoji}");
    }

    [Fact]
    public async Task Any_emoji_of_the_full_set_is_a_reaction()
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("launch");
        await org.Owner.SendAsync(channel.Id, "We ship on Monday");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}");
        var message = page.Locator("article.message", new() { HasText = "We ship on Monday" });
        await Expect(message).ToBeVisibleAsync();

        await Pages.ClickMessageActionAsync(message, English.React);
        await message.GetByRole(AriaRole.Button, new() { Name = English.More }).ClickAsync();
        var search = message.GetByRole(AriaRole.Combobox, new() { Name = English.Search });
        await search.FillAsync("rocket");
        await Expect(message.GetByRole(AriaRole.Option, new() { Name = "rocket", Exact = true })).ToHaveAttributeAsync("aria-selected", "true");
        await search.PressAsync("Enter");

        await Expect(message.GetByRole(AriaRole.Button, new() { Name = "🚀: 1" })).ToBeVisibleAsync();
        await Expect(search).ToBeHiddenAsync();
    }
}
