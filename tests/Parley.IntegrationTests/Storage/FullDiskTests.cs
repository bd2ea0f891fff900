using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Data;
using Parley.Server.Features.Messages;

namespace Parley.IntegrationTests.Storage;

/// <summary>
/// What a full disk does to the server, for real: the database (and on SQLite the file store) sit on a small tmpfs that
/// the test fills. A write answers 507 storage-full with Retry-After, never 500; reads go on; readiness says Degraded; the
/// operator reads one error; and when space is freed, writes and readiness come back by themselves.
/// </summary>
public abstract class FullDiskTests
{
    // A write that finds room in space the engine already holds (a page with room left, say) succeeds on a full disk
    // too: each kind of write is retried until it needs new space, and every answer on the way must be a success.
    private const int MaxAttempts = 200;

    private readonly SmallDiskApp _app;

    protected FullDiskTests(SmallDiskApp app)
    {
        Assert.SkipWhen(app.NotAvailableBecause is not null, app.NotAvailableBecause ?? "");
        _app = app;
    }

    [Fact]
    public async Task A_full_disk_refuses_writes_with_507_logs_one_error_and_recovers_when_space_returns()
    {
        var org = await _app.OrganizationAsync();
        var alice = org.Owner;
        var channel = await alice.CreateChannelAsync("ops", "public");
        await alice.SendAsync(channel.Id, "before the disk fills");
        await alice.UploadOkAsync(channel.Id, "first file"u8.ToArray());
        await _app.BeforeFillingAsync();
        using var anonymous = _app.Http();
        var logsBefore = _app.Logs.Entries.Count;

        _app.Fill();
        var send = await UntilRefusedAsync(() => alice.PostAsync($"/api/v1/conversations/{channel.Id}/messages",
            new { content = Noise(3000), clientMessageId = Guid.NewGuid() }));
        var upload = await UntilRefusedAsync(() => alice.UploadAsync(channel.Id, new byte[64 * 1024], "report.bin", "application/octet-stream"));
        var signIn = await UntilRefusedAsync(() => anonymous.PostLoginAsync(alice.Email, alice.Password));
        var read = await alice.GetAsync($"/api/v1/conversations/{channel.Id}/messages");
        var readyWhileFull = await anonymous.GetAsync("/readyz", TestContext.Current.CancellationToken);

        foreach (var (what, refused) in new[] { ("send", send), ("upload", upload), ("sign-in", signIn) })
        {
            // Which write, and what the server logged, when it is not the answer expected.
            Assert.True(refused.StatusCode == HttpStatusCode.InsufficientStorage,
                $"the {what} answered {(int)refused.StatusCode}: {await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}\n" +
                string.Join("\n", Logged(logsBefore).Where(e => e.Level >= LogLevel.Warning)));
            await refused.ShouldBeProblem(HttpStatusCode.InsufficientStorage, "storage-full");
            Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter?.Delta);
        }
        var page = await read.ReadAsync<MessagePageDto>(HttpStatusCode.OK);
        Assert.Equal("before the disk fills", page.Messages[0].Content);
        Assert.Equal("Degraded", await readyWhileFull.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = Assert.Single(Logged(logsBefore), e => e.Level >= LogLevel.Error);
        Assert.Equal(typeof(StorageHealth).FullName, error.Category);
        Assert.Contains("Free space", error.Message);

        _app.Free();
        var readyAfter = await anonymous.GetAsync("/readyz", TestContext.Current.CancellationToken);
        await alice.SendAsync(channel.Id, "after space returned");
        await alice.UploadOkAsync(channel.Id, new byte[64 * 1024], "report.bin", "application/octet-stream");
        await (await anonymous.PostLoginAsync(alice.Email, alice.Password)).ShouldBe(HttpStatusCode.OK);

        Assert.Equal("Healthy", await readyAfter.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Single(Logged(logsBefore), e => e.Level >= LogLevel.Error);
        Assert.Single(Logged(logsBefore), e => e.Category == typeof(StorageHealth).FullName && e.Level == LogLevel.Information);
    }

    /// <summary>Repeats a write until it is refused, checking that every answer before is a success; returns the refusal.</summary>
    private static async Task<HttpResponseMessage> UntilRefusedAsync(Func<Task<HttpResponseMessage>> write)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var response = await write();
            if (!response.IsSuccessStatusCode)
                return response;
        }
        Assert.Fail($"{MaxAttempts} writes succeeded on a full disk.");
        return null!;
    }

    private List<LogSink.Entry> Logged(int since) => [.. _app.Logs.Entries.Skip(since)];

    // Random text does not compress, so each message needs its own room in the database.
    private static string Noise(int length) =>
        string.Concat(Enumerable.Range(0, length / 8).Select(_ => Convert.ToHexString(BitConverter.GetBytes(Random.Shared.Next()))));
}

public sealed class SqliteFullDiskTests(SmallDiskSqliteApp app) : FullDiskTests(app), IClassFixture<SmallDiskSqliteApp>;

public sealed class PostgresFullDiskTests(SmallDiskPostgresApp app) : FullDiskTests(app), IClassFixture<SmallDiskPostgresApp>;
