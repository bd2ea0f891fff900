using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>A real SignalR client on a WebSocket, recording every event it receives, in order.</summary>
public sealed class LiveClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly Channel<(string Name, object Payload)> _events = Channel.CreateUnbounded<(string, object)>();

    private LiveClient(HubConnection hub) => Hub = hub;

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
        var client = new LiveClient(hub);
        client.Record<MessageDto>(nameof(IParleyClient.MessageCreated));
        client.Record<MessageDto>(nameof(IParleyClient.MessageEdited));
        client.Record<MessageDto>(nameof(IParleyClient.MessageDeleted));
        client.Record<MessageDto>(nameof(IParleyClient.ReactionChanged));
        client.Record<ConversationDto>(nameof(IParleyClient.ConversationChanged));
        client.Record<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        client.Record<ReadPositionDto>(nameof(IParleyClient.ReadPositionChanged));
        client.Record<TypingDto>(nameof(IParleyClient.Typing));
        client.Record<PresenceDto>(nameof(IParleyClient.PresenceChanged));
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
    /// Fails if an event of that name (matching, when given) arrives. To be sure the server had its chance, call it
    /// after an event that was sent later to someone else has arrived, or it waits <paramref name="quiet"/>.
    /// </summary>
    public async Task AssertNoneAsync<T>(string name, Func<T, bool>? match = null, TimeSpan? quiet = null)
    {
        await Task.Delay(quiet ?? TimeSpan.FromMilliseconds(500));
        while (_events.Reader.TryRead(out var e))
            if (e.Name == name && e.Payload is T typed && (match?.Invoke(typed) ?? true))
                Assert.Fail($"Unexpected {name} event: {typed}");
    }

    public async ValueTask DisposeAsync() => await Hub.DisposeAsync();
}

public static class LiveClientExtensions
{
    public static Task<LiveClient> ConnectAsync(this ParleyApp app, Actor actor) => LiveClient.ConnectAsync(app, actor);
}
