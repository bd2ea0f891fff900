using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>Calls the conversation and file tests make often.</summary>
public static class ConversationHelpers
{
    public static Task<List<ConversationDto>> ConversationsAsync(this Actor actor) =>
        actor.GetOkAsync<List<ConversationDto>>("/api/v1/conversations");

    public static async Task<ConversationDto> MineAsync(this Actor actor, long conversationId) =>
        Assert.Single(await actor.ConversationsAsync(), c => c.Id == conversationId);

    /// <summary>
    /// Uploads one file as multipart/form-data, with the file name written into the header exactly as given.
    /// <paramref name="askFirst"/> sends Expect: 100-continue, so a refused body is never sent (and can't break the pipe).
    /// </summary>
    public static Task<HttpResponseMessage> UploadAsync(this Actor actor, long conversationId, byte[] content,
        string fileName = "notes.txt", string contentType = "text/plain", bool askFirst = false)
    {
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        part.Headers.TryAddWithoutValidation("Content-Disposition", $"form-data; name=\"file\"; filename=\"{fileName}\"");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/conversations/{conversationId}/files") { Content = new MultipartFormDataContent { part } };
        request.Headers.ExpectContinue = askFirst;
        return actor.Http.SendAsync(request);
    }

    public static async Task<FileDto> UploadOkAsync(this Actor actor, long conversationId, byte[] content,
        string fileName = "notes.txt", string contentType = "text/plain") =>
        await (await actor.UploadAsync(conversationId, content, fileName, contentType)).ReadAsync<FileDto>(HttpStatusCode.Created);

    public static Task<HttpResponseMessage> SendWithFilesAsync(this Actor actor, long conversationId, string content, params Guid[] fileIds) =>
        actor.PostAsync($"/api/v1/conversations/{conversationId}/messages",
            new { content, clientMessageId = Guid.NewGuid(), attachmentIds = fileIds });

    /// <summary>Where the server keeps file contents, as it resolved its own settings.</summary>
    public static string FilesDirectory(this ParleyApp app) =>
        Path.Combine(app.Services.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory, "files");

    /// <summary>A problem body without its per-request trace id, to compare two answers for what they reveal.</summary>
    public static async Task<string> ProblemWithoutTraceAsync(this HttpResponseMessage response)
    {
        var problem = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(await response.Content.ReadAsStringAsync())!;
        problem.Remove("traceId");
        return $"{(int)response.StatusCode} {JsonSerializer.Serialize(problem.OrderBy(p => p.Key))}";
    }

    /// <summary>Sends a body as JSON text exactly as given, valid or not.</summary>
    public static Task<HttpResponseMessage> SendRawJsonAsync(this Actor actor, HttpMethod method, string path, string json) =>
        actor.Http.SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") });

    public static async Task<MessagePageDto> MessagesAsync(this Actor actor, long conversationId) =>
        await actor.GetOkAsync<MessagePageDto>($"/api/v1/conversations/{conversationId}/messages");
}
