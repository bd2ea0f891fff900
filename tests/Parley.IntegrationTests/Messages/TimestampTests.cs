using System.Net;
using System.Text.Json;
using Parley.IntegrationTests.Infrastructure;

namespace Parley.IntegrationTests.Messages;

/// <summary>A time reads back exactly as the write answered it, to the character, on both engines.</summary>
public abstract class TimestampTests(ParleyApp app)
{
    [Fact]
    public async Task Times_in_write_answers_equal_the_times_read_back_later()
    {
        var org = await app.OrganizationAsync();
        var alice = org.Owner;

        var created = await Json(await alice.PostAsync("/api/v1/conversations", new { name = "times", visibility = "public" }), HttpStatusCode.Created);
        var channelId = created.GetProperty("id").GetInt64();
        var uploaded = await Json(await alice.UploadAsync(channelId, "notes"u8.ToArray()), HttpStatusCode.Created);
        var sent = await Json(await alice.SendWithFilesAsync(channelId, "what time is it?", uploaded.GetProperty("id").GetGuid()), HttpStatusCode.Created);
        var conversation = await Json(await alice.GetAsync($"/api/v1/conversations/{channelId}"), HttpStatusCode.OK);
        var page = await Json(await alice.GetAsync($"/api/v1/conversations/{channelId}/messages"), HttpStatusCode.OK);

        var message = page.GetProperty("messages")[0];
        Assert.Equal(Time(created), Time(conversation));
        Assert.Equal(Time(sent), Time(message));
        Assert.Equal(Time(uploaded), Time(message.GetProperty("attachments")[0]));
        Assert.Equal(Time(sent.GetProperty("attachments")[0]), Time(message.GetProperty("attachments")[0]));
    }

    private static string? Time(JsonElement element) => element.GetProperty("createdAt").GetString();

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        await response.ShouldBe(expected);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}

public sealed class SqliteTimestampTests(SqliteApp app) : TimestampTests(app);

public sealed class PostgresTimestampTests : TimestampTests
{
    public PostgresTimestampTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
