using System.Net;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Messages;
using Parley.Server.Realtime;

namespace Parley.IntegrationTests.Realtime;

public abstract class RealtimeTests(ParleyApp app)
{
    [Fact]
    public async Task Typing_reaches_the_other_members_only()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("typing", "private", bob);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var malloryLive = await app.ConnectAsync(mallory);

        await aliceLive.Hub.InvokeAsync("StartTyping", channel.Id, TestContext.Current.CancellationToken);

        var typing = await bobLive.NextAsync<TypingDto>(nameof(IParleyClient.Typing));
        Assert.Equal((channel.Id, alice.Id), (typing.ConversationId, typing.UserId));
        await aliceLive.AssertNoneAsync<TypingDto>(nameof(IParleyClient.Typing));
        await malloryLive.AssertNoneAsync<TypingDto>(nameof(IParleyClient.Typing));
    }

    [Fact]
    public async Task Typing_in_a_conversation_one_cannot_see_is_refused()
    {
        var org = await app.OrganizationAsync();
        var (alice, mallory) = (org.Owner, await org.MemberAsync("Mallory"));
        var channel = await alice.CreateChannelAsync("secret", "private");
        await using var malloryLive = await app.ConnectAsync(mallory);

        await Assert.ThrowsAsync<HubException>(() => malloryLive.Hub.InvokeAsync("StartTyping", channel.Id, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<HubException>(() => malloryLive.Hub.InvokeAsync("StartTyping", 999_999_999L, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Presence_goes_to_people_who_share_a_conversation()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob, mallory) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Mallory"));
        await alice.OpenDirectAsync(bob);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var malloryLive = await app.ConnectAsync(mallory);

        var bobLive = await app.ConnectAsync(bob);
        var online = await aliceLive.NextAsync<PresenceDto>(nameof(IParleyClient.PresenceChanged), p => p.UserId == bob.Id);
        await bobLive.DisposeAsync();
        var offline = await aliceLive.NextAsync<PresenceDto>(nameof(IParleyClient.PresenceChanged), p => p.UserId == bob.Id && !p.Online);

        Assert.True(online.Online);
        Assert.False(offline.Online);
        await malloryLive.AssertNoneAsync<PresenceDto>(nameof(IParleyClient.PresenceChanged), p => p.UserId == bob.Id);
    }

    [Fact]
    public async Task Presence_does_not_travel_through_conversations_above_the_size_limit()
    {
        var org = await app.OrganizationAsync();   // the test server carries presence through conversations of up to 3
        var (alice, bob, carol, dan) = (org.Owner, await org.MemberAsync("Bob"), await org.MemberAsync("Carol"), await org.MemberAsync("Dan"));
        await alice.CreateChannelAsync("four", "public", bob, carol, dan);
        await alice.CreateChannelAsync("three", "public", bob, carol);
        await using var aliceLive = await app.ConnectAsync(alice);
        await using var danLive = await app.ConnectAsync(dan);

        await using var carolLive = await app.ConnectAsync(carol);

        var online = await aliceLive.NextAsync<PresenceDto>(nameof(IParleyClient.PresenceChanged), p => p.UserId == carol.Id);
        Assert.True(online.Online);
        await danLive.AssertNoneAsync<PresenceDto>(nameof(IParleyClient.PresenceChanged), p => p.UserId == carol.Id);
        Assert.Contains(carol.Id, await dan.GetOkAsync<List<Guid>>("/api/v1/users/presence"));
    }

    [Fact]
    public async Task Signing_a_device_out_closes_its_live_connection()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var phone = await app.LoginAsync(bob.Email, bob.Password, "Bob's phone");
        await using var phoneLive = await app.ConnectAsync(phone);
        var closed = new TaskCompletionSource();
        phoneLive.Hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        var sessions = await bob.GetOkAsync<List<SessionDto>>("/api/v1/auth/sessions");

        await (await bob.DeleteAsync($"/api/v1/auth/sessions/{sessions.Single(s => s.DeviceName == "Bob's phone").Id}")).ShouldBe(HttpStatusCode.NoContent);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.Equal(HubConnectionState.Disconnected, phoneLive.Hub.State);
        await (await phone.GetAsync("/api/v1/users/me")).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task The_hub_refuses_a_connection_without_a_valid_token()
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "hubs/events"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.AccessTokenProvider = () => Task.FromResult<string?>("not-a-token");
            })
            .Build();

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => hub.StartAsync(TestContext.Current.CancellationToken));
        Assert.Contains("401", refused.ToString());
        await hub.DisposeAsync();
    }

    [Fact]
    public async Task Someone_removed_from_a_channel_stops_receiving_its_messages()
    {
        var org = await app.OrganizationAsync();
        var (alice, bob) = (org.Owner, await org.MemberAsync("Bob"));
        var channel = await alice.CreateChannelAsync("board", "private", bob);
        await using var bobLive = await app.ConnectAsync(bob);
        await using var aliceLive = await app.ConnectAsync(alice);

        await (await alice.DeleteAsync($"/api/v1/conversations/{channel.Id}/members/{bob.Id}")).ShouldBe(HttpStatusCode.NoContent);
        var removed = await bobLive.NextAsync<MembershipChangedDto>(nameof(IParleyClient.MembershipChanged));
        var sent = await alice.SendAsync(channel.Id, "after Bob left");
        await aliceLive.NextAsync<MessageDto>(nameof(IParleyClient.MessageCreated), m => m.Id == sent.Id);

        Assert.Equal(("removed", bob.Id), (removed.Change, removed.UserId));
        await bobLive.AssertNoneAsync<MessageDto>(nameof(IParleyClient.MessageCreated));
        await (await bob.GetAsync($"/api/v1/conversations/{channel.Id}/messages")).ShouldBeProblem(HttpStatusCode.NotFound, "not-found");
    }
}

public sealed class SqliteRealtimeTests(SqliteApp app) : RealtimeTests(app);

public sealed class PostgresRealtimeTests : RealtimeTests
{
    public PostgresRealtimeTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
