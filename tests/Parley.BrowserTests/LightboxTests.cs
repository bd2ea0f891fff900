using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.IntegrationTests.Infrastructure;
using Parley.IntegrationTests.Profiles;
using static Microsoft.Playwright.Assertions;

namespace Parley.BrowserTests;

/// <summary>An image attachment opens large in a modal dialog; the arrow keys go through the conversation's images.</summary>
public sealed class LightboxTests
{
    private readonly BrowserFixture _f;

    public LightboxTests(BrowserFixture fixture)
    {
        Browsers.SkipUnlessAvailable(fixture);
        _f = fixture;
    }

    [Theory]
    [InlineData(1280, 800)]
    [InlineData(360, 740)]
    public async Task An_image_opens_large_the_arrows_go_to_the_next_and_Escape_gives_the_focus_back(int width, int height)
    {
        var org = await _f.App.OrganizationAsync();
        var channel = await org.Owner.CreateChannelAsync("photos");
        await SendImageAsync(org.Owner, channel.Id, "site-visit.png", "The site visit");
        await SendImageAsync(org.Owner, channel.Id, "floor-plan.png", "The floor plan");
        var page = await _f.PageAsync(org.Owner, $"/c/{channel.Id}", viewport: new ViewportSize { Width = width, Height = height }, bypassCsp: true);
        var opener = page.GetByRole(AriaRole.Button, new() { Name = "Open site-visit.png large" });
        await Expect(opener).ToBeVisibleAsync();

        await opener.ClickAsync();
        var first = page.GetByRole(AriaRole.Dialog, new() { Name = "site-visit.png" });
        await Expect(first.GetByRole(AriaRole.Img, new() { Name = "site-visit.png" })).ToBeVisibleAsync();
        await Expect(first.GetByText("1 of 2")).ToBeVisibleAsync();
        var box = await first.GetByRole(AriaRole.Img).BoundingBoxAsync();
        Assert.True(box!.Width <= width, $"the image is {box.Width} px wide in a {width} px window");
        await AccessibilityTests.AssertAccessibleAsync(page);
        await page.Keyboard.PressAsync("ArrowRight");
        var second = page.GetByRole(AriaRole.Dialog, new() { Name = "floor-plan.png" });
        await Expect(second.GetByRole(AriaRole.Img, new() { Name = "floor-plan.png" })).ToBeVisibleAsync();
        await Expect(second.GetByText("2 of 2")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots.Folder(), $"lightbox-{width}.png") });
        await page.Keyboard.PressAsync("Escape");

        await Expect(second).ToBeHiddenAsync();
        await Expect(opener).ToBeFocusedAsync();
    }

    private static async Task SendImageAsync(Actor sender, long conversationId, string name, string text)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(TestImages.Encoded(800, 600)) { Headers = { ContentType = new("image/png") } }, "file", name);
        var uploaded = await (await sender.Http.PostAsync($"/api/v1/conversations/{conversationId}/files", form))
            .ReadAsync<JsonElement>(HttpStatusCode.Created);
        await (await sender.PostAsync($"/api/v1/conversations/{conversationId}/messages",
            new { content = text, clientMessageId = Guid.NewGuid(), attachmentIds = new[] { uploaded.GetProperty("id").GetString() } }))
            .ShouldBe(HttpStatusCode.Created);
    }
}
