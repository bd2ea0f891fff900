using System.Net;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Records;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>Routes and calls shared by the message and record tests.</summary>
public static class MessageHelpers
{
    public const string Created = nameof(IParleyClient.MessageCreated), Edited = nameof(IParleyClient.MessageEdited),
        Deleted = nameof(IParleyClient.MessageDeleted), ReactionChanged = nameof(IParleyClient.ReactionChanged);

    public static string MessagesOf(long conversationId) => $"/api/v1/conversations/{conversationId}/messages";

    public static string MessageAt(long conversationId, long messageId) => $"{MessagesOf(conversationId)}/{messageId}";

    public static string ReactionAt(long conversationId, long messageId, string emoji) =>
        $"{MessageAt(conversationId, messageId)}/reactions/{Uri.EscapeDataString(emoji)}";

    public static Task<HttpResponseMessage> PostMessageAsync(this Actor actor, long conversationId, object body) =>
        actor.PostAsync(MessagesOf(conversationId), body);

    public static async Task<MessageDto> EditAsync(this Actor actor, long conversationId, long messageId, string content) =>
        await (await actor.PatchAsync(MessageAt(conversationId, messageId), new { content })).ReadAsync<MessageDto>(HttpStatusCode.OK);

    public static async Task<MessageDto> DeleteMessageAsync(this Actor actor, long conversationId, long messageId) =>
        await (await actor.DeleteAsync(MessageAt(conversationId, messageId))).ReadAsync<MessageDto>(HttpStatusCode.OK);

    public static Task<MessagePageDto> PageAsync(this Actor actor, long conversationId, string query = "") =>
        actor.GetOkAsync<MessagePageDto>(MessagesOf(conversationId) + query);

    public static Task<IntegrityReportDto> IntegrityAsync(this Actor admin) =>
        admin.GetOkAsync<IntegrityReportDto>("/api/v1/admin/integrity");
}
