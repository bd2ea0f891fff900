using System.Net;
using System.Text.Json;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;

namespace Parley.Server.Features.Notifications;

/// <summary>What a push carries, encrypted to the browser (RFC 8291). Small: push services cap payloads near 4 KB.</summary>
/// <param name="Conversation">The channel's name; null for direct and group conversations.</param>
/// <param name="Preview">A short plain text of the message; null when the deployment hides previews.</param>
public sealed record PushPayloadDto(long ConversationId, long Seq, long? ThreadRootId, string Reason, string Sender, string? Conversation,
    string? Preview);

/// <summary>
/// Sends the pushes of each queued message: decides who (<see cref="PushRules"/>) from what is committed now, posts to
/// each of their live sessions' push services, and forgets subscriptions the push service says are gone (404, 410).
/// </summary>
public sealed partial class PushDelivery(PushQueue queue, IServiceScopeFactory scopes, PushKeys keys, IHttpClientFactory http,
    IOptions<NotificationOptions> options, IOptions<SessionLifetimeOptions> sessions, TimeProvider clock, ILogger<PushDelivery> logger)
    : BackgroundService
{
    public const string HttpClientName = "web-push";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var message in queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await DeliverAsync(message, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogDeliveryFailed(logger, message.ConversationId, message.Seq, e);
            }
        }
    }

    private async Task DeliverAsync(MessageDto message, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var conversation = await db.Conversations.AsNoTracking().SingleOrDefaultAsync(c => c.Id == message.ConversationId, ct);
        if (conversation is null)
            return;
        var threadPeople = message.ThreadRootId is { } rootId
            ? await db.Messages.Where(m => m.Id == rootId || m.ThreadRootId == rootId).Select(m => m.SenderId).Distinct().ToListAsync(ct)
            : [];
        // Members who may read the conversation now: active, and not compliance officers (who read the record instead).
        var candidates = await db.ConversationMembers.Where(m => m.ConversationId == message.ConversationId && m.UserId != message.SenderId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m.UserId, m.Notifications, u.DeactivatedAt, u.Role })
            .Where(x => x.DeactivatedAt == null && x.Role != OrgRole.Compliance)
            .Select(x => new { x.UserId, x.Notifications })
            .ToListAsync(ct);
        var recipients = PushRules.Recipients(message, conversation.Kind,
            candidates.Select(c => new PushCandidate(c.UserId, c.Notifications, threadPeople.Contains(c.UserId)))).ToDictionary(r => r.UserId, r => r.Reason);
        if (recipients.Count == 0)
            return;

        var now = clock.GetUtcNow();
        var (createdAfter, seenAfter) = (now - sessions.Value.Lifetime, now - sessions.Value.IdleTimeout);
        var userIds = recipients.Keys.ToList();
        var subscriptions = await db.PushSubscriptions.AsNoTracking()
            .Where(s => userIds.Contains(s.UserId) && s.OrganizationId == conversation.OrganizationId)
            .Join(db.Sessions.Where(x => x.RevokedAt == null && x.CreatedAt > createdAfter && x.LastSeenAt > seenAfter),
                s => s.SessionId, x => x.Id, (s, x) => s)
            .ToListAsync(ct);
        if (subscriptions.Count == 0)
            return;

        var sender = await db.Users.Where(u => u.Id == message.SenderId).Select(u => u.DisplayName).SingleAsync(ct);
        var gone = new List<Guid>();
        var client = new PushServiceClient(http.CreateClient(HttpClientName))
        {
            DefaultTimeToLive = (int)options.Value.TimeToLive.TotalSeconds,
            DefaultAuthenticationScheme = VapidAuthenticationScheme.Vapid,     // RFC 8292, not the older draft's WebPush scheme
        };
        var authentication = await keys.AuthenticationAsync(ct);
        await Parallel.ForEachAsync(subscriptions, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (s, token) =>
        {
            var payload = new PushPayloadDto(message.ConversationId, message.Seq, message.ThreadRootId, PushRules.Name(recipients[s.UserId]),
                sender, conversation.IsChannel ? conversation.Name : null, options.Value.IncludePreview ? PushRules.Preview(message) : null);
            var subscription = new Lib.Net.Http.WebPush.PushSubscription { Endpoint = s.Endpoint };
            subscription.SetKey(PushEncryptionKeyName.P256DH, s.P256dh);
            subscription.SetKey(PushEncryptionKeyName.Auth, s.Auth);
            var push = new PushMessage(JsonSerializer.Serialize(payload, JsonSerializerOptions.Web))
            {
                Urgency = PushMessageUrgency.High,
            };
            try
            {
                await client.RequestPushMessageDeliveryAsync(subscription, push, authentication, token);
            }
            catch (PushServiceClientException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
            {
                lock (gone)
                    gone.Add(s.Id);
            }
            catch (Exception e) when (e is PushServiceClientException or HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
            {
                LogPushRefused(logger, new Uri(s.Endpoint).Host, e.Message);
            }
        });
        if (gone.Count > 0)
        {
            await using var tx = await db.BeginWriteAsync(ct);
            await db.PushSubscriptions.Where(s => gone.Contains(s.Id)).ExecuteDeleteAsync(ct);
            await tx.CommitAsync(ct);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The pushes for message {Seq} of conversation {ConversationId} failed")]
    private static partial void LogDeliveryFailed(ILogger logger, long conversationId, long seq, Exception e);

    [LoggerMessage(Level = LogLevel.Information, Message = "The push service at {Host} did not take a push: {Reason}")]
    private static partial void LogPushRefused(ILogger logger, string host, string reason);
}
