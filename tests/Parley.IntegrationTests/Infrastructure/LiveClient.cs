using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>A real SignalR client on a WebSocket, recording every event it receives, in order.</summary>
public sealed class LiveClient : IAsyncDisposable
{
    // A deadline for events that must come, not a measure of speed: CI runs the browser and integration projects side by
    // side on two cores, where one run saw a sentinel take longer than 15 s.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private readonly Channel<(string Name, object Payload)> _events = Channel.CreateUnbounded<(string, object)>();

    private readonly Actor _actor;
    private long? _sentinelChannelId;

    private LiveClient(HubConnection hub, Actor actor) => (Hub, _actor) = (hub, actor);

    public HubConnection Hub { get; }

    public static async Task<LiveClient> ConnectAsync(ParleyApp app, Actor actor)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "hubs/events"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>(actor.Token);
            })
            .Build();
        var client = new LiveClient(hub, actor);
        client.Record<MessageDto>(nameof(IParleyClient.MessageCreated));
        client.Record<MessageDto>(nameof(IParleyClient.MessageEdited));
        client.Record<MessageDto>(nameof(IParleyClient.MessageDeleted));
        client.Record<MessageDto>(nameof(IParleyClient.ReactionChanged));
        client.Record<MessageDto>(nameof(IParleyClient.PinChanged));
        client.Record<ConversationDto>(nameof(IParleyClient.ConversationChanged));
        client.Record<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        client.Record<ReadPositionDto>(nameof(IParleyClient.ReadPositionChanged));
        client.Record<TypingDto>(nameof(IParleyClient.Typing));
        client.Record<PresenceDto>(nameof(IParleyClient.PresenceChanged));
        client.Record<UserDto>(nameof(IParleyClient.ProfileChanged));
        await hub.StartAsync();
        return client;
    }

    private void Record<T>(string name) where T : notnull => Hub.On<T>(name, payload => _events.Writer.TryWrite((name, payload)));

    /// <summary>The next event of that name (others are skipped) that matches, or a failure after a while.</summary>
    public async Task<T> NextAsync<T>(string name, Func<T, bool>? match = null)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            while (true)
            {
                var (eventName, payload) = await _events.Reader.ReadAsync(timeout.Token);
                if (eventName == name && payload is T typed && (match?.Invoke(typed) ?? true))
                    return typed;
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"No {name} event arrived within {Patience.TotalSeconds} s.");
        }
    }

    /// <summary>
    /// Fails if an event of that name (matching, when given) comes before a sentinel: a message this client's user sends,
    /// after the call, to a private channel of their own (made on first use, and whose events are ignored here). The
    /// server writes to one connection in order, so anything it pushed to this client before the sentinel has arrived
    /// when the sentinel does. Call it once the action that must not reach this client has completed (its response,
    /// or an event it caused elsewhere, has arrived).
    /// </summary>
    public async Task AssertNoneAsync<T>(string name, Func<T, bool>? match = null)
    {
        _sentinelChannelId ??= (await _actor.CreateChannelAsync($"sentinel-{Guid.NewGuid():N}", "private")).Id;
        var sentinel = Guid.NewGuid();
        await _actor.SendAsync(_sentinelChannelId.Value, "sentinel", sentinel);
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            while (true)
            {
                var (eventName, payload) = await _events.Reader.ReadAsync(timeout.Token);
                if (payload is MessageDto { ClientMessageId: var id } && id == sentinel)
                    return;
                if (ConversationOf(payload) == _sentinelChannelId)
                    continue;
                if (eventName == name && payload is T typed && (match?.Invoke(typed) ?? true))
                    Assert.Fail($"Unexpected {name} event: {typed}");
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"The sentinel message did not arrive within {Patience.TotalSeconds} s.");
        }
    }

    private static long? ConversationOf(object payload) => payload switch
    {
        MessageDto m => m.ConversationId,
        ConversationDto c => c.Id,
        MembershipChangedDto m => m.ConversationId,
        ReadPositionDto r => r.ConversationId,
        TypingDto t => t.ConversationId,
        _ => null,
    };

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();
}

public static class LiveClientExtensions
{
    public static Task<LiveClient> ConnectAsync(this ParleyApp app, Actor actor) => LiveClient.ConnectAsync(app, actor);
}
