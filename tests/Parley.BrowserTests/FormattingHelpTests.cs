using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>The composer's formatting help lists the Markdown the server renders, in the reader's language.</summary>
public sealed class FormattingHelpTests
{
    private readonly BrowserFixture _f;

    public FormattingHelpTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Theory]
    [InlineData(1280, 800, "en-US", "Formatting help", "Formatting", "**bold**")]
    [InlineData(360, 740, "fr-FR", "Aide à la mise en forme", "Mise en forme", "**gras**")]
    public async Task The_help_opens_from_the_composer_and_Escape_gives_the_focus_back(int width, int height, string locale, string open,
        string title, string bold)
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("notes");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", locale, new ViewportSize { Width = width, Height = height }, bypassCsp: true);
        var button = page.GetByRole(AriaRole.Button, new() { Name = open });
        await Layout.AssertNoHorizontalOverflowAsync(page);

        await button.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = title });
        await Expect(dialog.GetByText(bold, new() { Exact = true })).ToBeVisibleAsync();
        await Expect(dialog.Locator("strong").First).ToBeVisibleAsync();
        await AccessibilityTests.AssertAccessibleAsync(page);
        await page.Keyboard.PressAsync("Escape");

        await Expect(dialog).ToBeHiddenAsync();
        await Expect(button).ToBeFocusedAsync();
    }
}
