using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>
/// Finding an old message as a person does: the search box, the results with the match marked, the jump to the message
/// in its place (older than the page the conversation opens with), a removed member who no longer finds a private
/// channel's words, and the Ctrl+K switcher, on desktop and phone, in English and French.
/// </summary>
public sealed class SearchTests
{
    private readonly BrowserFixture _f;

    public SearchTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    public sealed record Texts(string Locale, string SearchLabel, string Results, string Switcher);

    private static readonly Texts English = new("en-US", "Search messages", "{0} results", "Conversation or person");
    private static readonly Texts French = new("fr-FR", "Rechercher dans les messages", "{0} résultats", "Conversation ou personne");

    [Theory]
    [InlineData(1280, 800, "en")]
    [InlineData(360, 740, "fr")]
    public async Task A_search_finds_old_messages_opens_one_in_its_place_and_forgets_a_channel_one_has_left(int width, int height, string language)
    {
        var text = language == "fr" ? French : English;
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var projects = await org.Owner.CreateChannelAsync("projects", "public", bob);
        var board = await org.Owner.CreateChannelAsync("board", "private", bob);
        await org.Owner.SendAsync(projects.Id, "The budget for Orion is approved");
        for (var i = 0; i < 70; i++)
            await org.Owner.SendAsync(projects.Id, $"Later news {i}");
        await org.Owner.SendAsync(board.Id, "Orion acquisition stays confidential");

        var page = await _f.PageAsync(bob, "/", text.Locale, new ViewportSize { Width = width, Height = height });
        var box = page.GetByRole(AriaRole.Search).First.GetByRole(AriaRole.Searchbox, new() { Name = text.SearchLabel });
        await box.FillAsync("orion");
        await box.PressAsync("Enter");
        var results = page.Locator(".search-results");
        await Expect(page.GetByText(string.Format(text.Results, 2))).ToBeVisibleAsync();
        await Expect(results.Locator("mark").First).ToHaveTextAsync("Orion");
        await Layout.AssertNoHorizontalOverflowAsync(page);
        await AccessibilityTests.AssertAccessibleAsync(page);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots.Folder(), $"search-{language}-{width}.png") });

        // The message is older than the newest page: the conversation pages back to it and shows it, marked.
        await results.GetByRole(AriaRole.Link).Filter(new() { HasText = "approved" }).ClickAsync();
        var target = page.Locator(".permalink-target article.message");
        await Expect(target).ToContainTextAsync("The budget for Orion is approved");
        await Expect(target).ToBeInViewportAsync();
        Assert.Matches($"/c/{projects.Id}/m/\\d+$", page.Url);

        await (await org.Owner.DeleteAsync($"/api/v1/conversations/{board.Id}/members/{bob.Id}")).ShouldBe(System.Net.HttpStatusCode.NoContent);
        await page.GotoAsync(new Uri(new Uri(page.Url), "/search?q=orion").ToString());
        await Expect(page.GetByText(string.Format(text.Results, 1))).ToBeVisibleAsync();
        await Expect(page.Locator(".search-results")).Not.ToContainTextAsync("confidential");
    }

    [Fact]
    public async Task Ctrl_K_goes_to_a_channel_or_a_person_with_the_keyboard_alone()
    {
        var org = await _f.App.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var projects = await org.Owner.CreateChannelAsync("projects", "public", bob);
        await org.Owner.CreateChannelAsync("product", "public", bob);
        var page = await _f.PageAsync(org.Owner, "/");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "projects" })).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Control+k");
        var input = page.GetByRole(AriaRole.Combobox, new() { Name = English.Switcher });
        await Expect(input).ToBeFocusedAsync();
        await input.PressSequentiallyAsync("pro");
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(2);
        await AccessibilityTests.AssertAccessibleAsync(page);
        await input.PressAsync("ArrowDown");                   // product, then projects
        await input.PressAsync("ArrowDown");
        await input.PressAsync("ArrowUp");
        await input.PressAsync("ArrowDown");
        await Expect(page.GetByRole(AriaRole.Option, new() { Selected = true })).ToContainTextAsync("projects");
        await input.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "# projects" })).ToBeVisibleAsync();
        Assert.EndsWith($"/c/{projects.Id}", page.Url);

        await page.Keyboard.PressAsync("Control+k");
        await page.GetByRole(AriaRole.Combobox, new() { Name = English.Switcher }).PressSequentiallyAsync("bob");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Bob" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);
    }
}
