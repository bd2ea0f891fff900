using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Records.Witnesses;

namespace Parley.IntegrationTests.Records.Witnesses;

public sealed class HttpWitnessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.Parse("2026-12-02T10:00:00Z"));

    private sealed record Received(string Method, string Path, string? ContentType, string? Organization, string? TreeSize, byte[] Body);

    private static HttpWitness Witness(Uri url, TimeSpan? timeout = null) =>
        new(WitnessFixtures.Clients, url, timeout ?? TimeSpan.FromSeconds(10), Clock);

    [Fact]
    public async Task The_receiver_gets_the_note_as_utf8_text_with_the_organization_and_size()
    {
        var received = new ConcurrentQueue<Received>();
        await using var receiver = await LoopbackServer.StartAsync(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            received.Enqueue(new Received(context.Request.Method, context.Request.Path, context.Request.ContentType,
                context.Request.Headers["Parley-Organization"], context.Request.Headers["Parley-Tree-Size"], body.ToArray()));
            context.Response.StatusCode = StatusCodes.Status201Created;
        });
        var url = new Uri(receiver.Url, "checkpoints");
        var organizationId = Guid.NewGuid();
        var note = WitnessFixtures.Note(organizationId, 42);

        var receipt = await Witness(url).PublishAsync(organizationId, 42, note, Ct);

        var got = Assert.Single(received);
        Assert.Equal("POST", got.Method);
        Assert.Equal("/checkpoints", got.Path);
        Assert.Equal("text/plain; charset=utf-8", got.ContentType);
        Assert.Equal(organizationId.ToString(), got.Organization);
        Assert.Equal("42", got.TreeSize);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(note), got.Body);   // the em dash in UTF-8, no byte order mark
        Assert.Equal(new WitnessReceipt($"http {url}", Clock.GetUtcNow(), null), receipt);
    }

    [Fact]
    public async Task A_500_from_the_receiver_is_an_error_that_names_the_url_and_status()
    {
        await using var receiver = await LoopbackServer.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<WitnessException>(() =>
            Witness(receiver.Url).PublishAsync(Guid.NewGuid(), 5, WitnessFixtures.Note(Guid.NewGuid(), 5), Ct));

        Assert.Contains(receiver.Url.ToString(), error.Message);
        Assert.Contains("500", error.Message);
    }

    [Fact]
    public async Task An_unreachable_receiver_is_an_error_that_names_the_url()
    {
        using var unreachable = LoopbackServer.UnreachableUrl();
        var url = unreachable.Url;

        var error = await Assert.ThrowsAsync<WitnessException>(() =>
            Witness(url).PublishAsync(Guid.NewGuid(), 5, WitnessFixtures.Note(Guid.NewGuid(), 5), Ct));

        Assert.Contains(url.ToString(), error.Message);
        Assert.Contains("could not be reached", error.Message);
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_is_an_error_that_says_so()
    {
        var answered = new TaskCompletionSource();
        await using var receiver = await LoopbackServer.StartAsync(async context =>
        {
            await answered.Task.WaitAsync(context.RequestAborted);      // never completed: the client gives up first
        });

        var error = await Assert.ThrowsAsync<WitnessException>(() =>
            Witness(receiver.Url, TimeSpan.FromMilliseconds(300)).PublishAsync(Guid.NewGuid(), 5, WitnessFixtures.Note(Guid.NewGuid(), 5), Ct));

        Assert.Contains(receiver.Url.ToString(), error.Message);
        Assert.Contains("did not answer within 0.3 s", error.Message);
    }
}
