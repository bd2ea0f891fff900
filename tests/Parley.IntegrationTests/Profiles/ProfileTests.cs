using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;
using SkiaSharp;

namespace Parley.IntegrationTests.Profiles;

public abstract class ProfileTests(ParleyApp app)
{
    [Fact]
    public async Task A_person_edits_their_profile_others_see_it_and_the_new_name_is_audited()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var edited = await (await bob.PatchAsync("/api/v1/me/profile",
                new { displayName = "Robert Martin", title = "Head of sales", pronouns = "he/him", timeZone = "Europe/Paris" }))
            .ReadAsync<UserDto>(HttpStatusCode.OK);
        var seenByAlice = (await org.Owner.UsersAsync()).Single(u => u.Id == bob.Id);
        var renamed = Assert.Single(await org.Owner.AuditAsync("UserRenamed"));

        Assert.Equal(("Robert Martin", "Head of sales", "he/him", "Europe/Paris"), (edited.DisplayName, edited.Title, edited.Pronouns, edited.TimeZone));
        Assert.Equal(edited, seenByAlice);
        Assert.Equal(edited, await bob.GetOkAsync<UserDto>("/api/v1/me/profile"));
        Assert.Equal(bob.Id, renamed.ActorId);
        Assert.Equal("Bob", renamed.Data?.GetProperty("before").GetString());
        Assert.Equal("Robert Martin", renamed.Data?.GetProperty("after").GetString());
        var titled = Assert.Single(await org.Owner.AuditAsync("UserTitleChanged"));
        Assert.Equal((bob.Id, null, "Head of sales"),
            (titled.ActorId, titled.Data?.GetProperty("before").GetString(), titled.Data?.GetProperty("after").GetString()));
    }

    [Fact]
    public async Task Only_the_fields_sent_change_and_an_empty_one_is_cleared_without_an_audit_event()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        await (await bob.PatchAsync("/api/v1/me/profile", new { title = "Buyer", pronouns = "they/them" })).ShouldBe(HttpStatusCode.OK);

        var after = await (await bob.PatchAsync("/api/v1/me/profile", new { title = "" })).ReadAsync<UserDto>(HttpStatusCode.OK);

        Assert.Equal(("Bob", null, "they/them"), (after.DisplayName, after.Title, after.Pronouns));
        Assert.Empty(await org.Owner.AuditAsync("UserRenamed"));
        Assert.Equal([null, "Buyer"], (await org.Owner.AuditAsync("UserTitleChanged")).Select(e => e.Data?.GetProperty("after").GetString()));
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("Pacific Standard Time")]
    [InlineData("../../etc/passwd")]
    public async Task A_time_zone_that_is_not_an_IANA_name_is_refused_and_nothing_changes(string timeZone)
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var response = await bob.PatchAsync("/api/v1/me/profile", new { displayName = "Robert", timeZone });

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, "time-zone-invalid");
        var profile = await bob.GetOkAsync<UserDto>("/api/v1/me/profile");
        Assert.Equal(("Bob", null), (profile.DisplayName, profile.TimeZone));
    }

    [Fact]
    public async Task An_avatar_is_cropped_to_a_square_and_shown_to_the_organization_only()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var mallory = (await app.OrganizationAsync()).Owner;

        var set = await (await PutAvatarAsync(bob, TestImages.Encoded(600, 400, SKEncodedImageFormat.Jpeg), "?x=0&y=0&size=300"))
            .ReadAsync<UserDto>(HttpStatusCode.OK);
        var byAlice = await org.Owner.GetAsync(set.AvatarUrl!);
        var image = await byAlice.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        var byMallory = await mallory.GetAsync(set.AvatarUrl!);

        Assert.Equal(HttpStatusCode.OK, byAlice.StatusCode);
        Assert.Equal("image/webp", byAlice.Content.Headers.ContentType?.MediaType);
        Assert.Equal((256, 256, SKEncodedImageFormat.Webp), TestImages.Identify(image));
        Assert.True(IsOrange(image, 200, 128));            // the left part was kept: a centred square would be blue there
        await byMallory.ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(set.AvatarUrl, (await org.Owner.UsersAsync()).Single(u => u.Id == bob.Id).AvatarUrl);
    }

    [Fact]
    public async Task A_removed_avatar_is_gone()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var url = (await (await PutAvatarAsync(bob, TestImages.Encoded(64, 64))).ReadAsync<UserDto>(HttpStatusCode.OK)).AvatarUrl!;

        var shown = await (await org.Owner.GetAsync(url)).Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);

        await (await bob.DeleteAsync("/api/v1/me/avatar")).ShouldBe(HttpStatusCode.NoContent);
        await (await bob.DeleteAsync("/api/v1/me/avatar")).ShouldBe(HttpStatusCode.NoContent);     // nothing left: no event

        await (await org.Owner.GetAsync(url)).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Null((await bob.GetOkAsync<UserDto>("/api/v1/me/profile")).AvatarUrl);
        // Audited: the hash of the picture that was shown, then its removal.
        Assert.Equal([null, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(shown))],
            (await org.Owner.AuditAsync("UserAvatarChanged")).Select(e => e.Data?.GetProperty("sha256").GetString()));
    }

    [Fact]
    public async Task A_file_that_is_not_a_PNG_JPEG_or_WebP_picture_is_refused_as_an_avatar()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var text = await PutAvatarAsync(bob, "<svg xmlns='http://www.w3.org/2000/svg'/>"u8.ToArray());
        var gif = await PutAvatarAsync(bob, "GIF89a\x01\x00\x01\x00\x00\x00\x00;"u8.ToArray());
        var empty = await PutAvatarAsync(bob, []);

        await text.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "avatar-not-an-image");
        await gif.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "avatar-format-unsupported");
        await empty.ShouldBeProblem(HttpStatusCode.UnsupportedMediaType, "avatar-not-an-image");
        Assert.Null((await bob.GetOkAsync<UserDto>("/api/v1/me/profile")).AvatarUrl);
    }

    [Fact]
    public async Task A_picture_claiming_50000_by_50000_pixels_is_refused_from_its_header()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var bomb = TestImages.PngHeaderClaiming(50_000, 50_000);
        Assert.True(bomb.Length < 2_000);

        var clock = Stopwatch.StartNew();
        var response = await PutAvatarAsync(bob, bomb);

        await response.ShouldBeProblem(HttpStatusCode.UnprocessableEntity, "avatar-dimensions-too-large");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");   // 10 GB of pixels were never decoded
        Assert.Null((await bob.GetOkAsync<UserDto>("/api/v1/me/profile")).AvatarUrl);
    }

    [Fact]
    public async Task A_crop_outside_the_picture_and_a_picture_over_the_size_limit_are_refused()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var outside = await PutAvatarAsync(bob, TestImages.Encoded(100, 100), "?x=50&y=0&size=100");
        var half = await PutAvatarAsync(bob, TestImages.Encoded(100, 100), "?x=0");
        var huge = await PutAvatarAsync(bob, new byte[6 * 1024 * 1024], askFirst: true);

        await outside.ShouldBeProblem(HttpStatusCode.BadRequest, "avatar-crop-invalid");
        await half.ShouldBeProblem(HttpStatusCode.BadRequest, "avatar-crop-invalid");
        await huge.ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "avatar-too-large");
    }

    [Fact]
    public async Task A_custom_status_reaches_the_people_who_see_presence_and_clears()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var direct = await org.Owner.OpenDirectAsync(bob);
        await using var aliceLive = await app.ConnectAsync(org.Owner);
        await bob.SendAsync(direct.Id, "Back at 3");                          // heard: Alice's connection is in place
        await aliceLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
        var until = DateTimeOffset.UtcNow.AddHours(1);

        var set = await (await bob.PutAsync("/api/v1/me/status", new { text = "In a meeting", emoji = "📅", expiresAt = until }))
            .ReadAsync<UserDto>(HttpStatusCode.OK);
        var heard = await aliceLive.NextAsync<UserDto>(nameof(IParleyClient.ProfileChanged), u => u.Id == bob.Id);
        await (await bob.DeleteAsync("/api/v1/me/status")).ShouldBe(HttpStatusCode.NoContent);
        var cleared = await aliceLive.NextAsync<UserDto>(nameof(IParleyClient.ProfileChanged), u => u.Id == bob.Id && u.Status is null);

        Assert.Equal(("In a meeting", "📅"), (set.Status?.Text, set.Status?.Emoji));
        Assert.Equal(until.ToUnixTimeMilliseconds(), set.Status?.ExpiresAt?.ToUnixTimeMilliseconds());
        Assert.Equal(set.Status, heard.Status);
        Assert.Null(cleared.Status);
        Assert.Null((await org.Owner.UsersAsync()).Single(u => u.Id == bob.Id).Status);
    }

    [Theory]
    [InlineData("""{ "text": "" }""", "status-invalid")]
    [InlineData("""{ "text": "Away", "emoji": "smile" }""", "status-emoji-invalid")]
    [InlineData("""{ "text": "Away", "expiresAt": "2001-01-01T00:00:00Z" }""", "status-expiry-invalid")]
    public async Task A_bad_status_is_refused(string body, string code)
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");

        var response = await bob.Http.PutAsync("/api/v1/me/status",
            new StringContent(body, new MediaTypeHeaderValue("application/json")), TestContext.Current.CancellationToken);

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, code);
    }

    /// <param name="askFirst">Expect: 100-continue, so a refusal by length arrives before the client has sent the body.</param>
    private static Task<HttpResponseMessage> PutAvatarAsync(Actor actor, byte[] image, string query = "", bool askFirst = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/me/avatar{query}") { Content = new ByteArrayContent(image) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.ExpectContinue = askFirst;
        return actor.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static bool IsOrange(byte[] image, int x, int y)
    {
        using var bitmap = SKBitmap.Decode(image);
        var pixel = bitmap.GetPixel(x, y);
        return pixel.Red > 220 && pixel.Green is > 130 and < 200 && pixel.Blue < 50;
    }
}

public sealed class SqliteProfileTests(SqliteApp app) : ProfileTests(app);

public sealed class PostgresProfileTests : ProfileTests
{
    public PostgresProfileTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
