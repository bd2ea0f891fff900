using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>One push as a browser would see it: decrypted, with the VAPID claims the server signed.</summary>
public sealed record ReceivedPush(JsonElement Payload, string Audience, DateTimeOffset Expires, string Subject, string Ttl, string? Urgency)
{
    public string Reason => Payload.GetProperty("reason").GetString()!;
    public long ConversationId => Payload.GetProperty("conversationId").GetInt64();
    public long Seq => Payload.GetProperty("seq").GetInt64();
    public string Sender => Payload.GetProperty("sender").GetString()!;
    public string? Preview => Payload.GetProperty("preview").GetString();
}

/// <summary>
/// A push service on loopback (RFC 8030), as browsers' vendors run them: it takes the server's pushes for the browsers
/// (<see cref="PushBrowser"/>) subscribed to it, checks each push's VAPID JWT (RFC 8292: ES256 by the server's public key,
/// audience this origin, not expired) and decrypts it (RFC 8291) with that browser's private key, as the browser would.
/// </summary>
public sealed class PushService : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, PushBrowser> _browsers = new();
    private LoopbackServer _server = null!;
    private int _count;

    private PushService() { }

    /// <summary>The VAPID public key the server's pushes must be signed with (from <c>GET /api/v1/notifications/push-key</c>).</summary>
    public string ServerKey { get; private set; } = "";

    public static async Task<PushService> StartAsync(string serverKey)
    {
        var service = new PushService { ServerKey = serverKey };
        service._server = await LoopbackServer.StartAsync(service.HandleAsync);
        return service;
    }

    /// <summary>A new browser with its own keys and its own endpoint here.</summary>
    public PushBrowser NewBrowser()
    {
        var browser = new PushBrowser(new Uri(_server.Url, $"push/{Interlocked.Increment(ref _count)}-{Guid.NewGuid():N}"));
        _browsers[browser.Endpoint.AbsolutePath] = browser;
        return browser;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Method != "POST" || !_browsers.TryGetValue(context.Request.Path.Value ?? "", out var browser))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        try
        {
            Assert.Equal("aes128gcm", context.Request.Headers.ContentEncoding.ToString());
            var (audience, expires, subject) = VerifyVapid(context.Request.Headers.Authorization.ToString(), ServerKey);
            var push = new ReceivedPush(JsonDocument.Parse(browser.Decrypt(body.ToArray())).RootElement.Clone(), audience, expires, subject,
                context.Request.Headers["TTL"].ToString(), context.Request.Headers["Urgency"].FirstOrDefault());
            browser.Received.Writer.TryWrite(push);
            context.Response.StatusCode = browser.Gone ? StatusCodes.Status410Gone : StatusCodes.Status201Created;
        }
        catch (Exception e)
        {
            browser.Failures.Enqueue(e.ToString());
            browser.Received.Writer.TryComplete(e);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
        }
    }

    /// <summary>RFC 8292: <c>vapid t=JWT, k=public key</c>; an ES256 JWT signed by that key, which must be the server's.</summary>
    private static (string Audience, DateTimeOffset Expires, string Subject) VerifyVapid(string authorization, string serverKey)
    {
        Assert.StartsWith("vapid ", authorization);
        var parameters = authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(serverKey, parameters["k"]);
        var parts = parameters["t"].Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonDocument.Parse(Base64Url(parts[0])).RootElement;
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        var point = Base64Url(serverKey);
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = point[1..33], Y = point[33..] },
        });
        Assert.True(ecdsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64Url(parts[2]), HashAlgorithmName.SHA256),
            "The VAPID JWT's signature does not verify with the server's public key.");
        var claims = JsonDocument.Parse(Base64Url(parts[1])).RootElement;
        return (claims.GetProperty("aud").GetString()!, DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64()),
            claims.GetProperty("sub").GetString()!);
    }

    public static byte[] Base64Url(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64 + new string('=', (4 - base64.Length % 4) % 4));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>A browser's side of a push subscription: its P-256 key pair and auth secret (RFC 8291), and what reached it.</summary>
public sealed class PushBrowser(Uri endpoint)
{
    private readonly ECDiffieHellman _key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
    private readonly byte[] _auth = RandomNumberGenerator.GetBytes(16);

    public Uri Endpoint { get; } = endpoint;

    /// <summary>Answer 410 Gone from now on, as a push service does for a subscription the browser dropped.</summary>
    public bool Gone { get; set; }

    public Channel<ReceivedPush> Received { get; } = Channel.CreateUnbounded<ReceivedPush>();
    public ConcurrentQueue<string> Failures { get; } = new();

    public string P256dh => Encode(PublicKey);
    public string Auth => Encode(_auth);

    /// <summary>What <c>PushSubscription.toJSON()</c> gives.</summary>
    public object Subscription => new { endpoint = Endpoint.AbsoluteUri, keys = new { p256dh = P256dh, auth = Auth } };

    private byte[] PublicKey
    {
        get
        {
            var q = _key.ExportParameters(false).Q;
            return [0x04, .. q.X!, .. q.Y!];
        }
    }

    /// <summary>The next push, or a failure after 30 seconds.</summary>
    public async Task<ReceivedPush> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await Received.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>RFC 8291 with RFC 8188's aes128gcm: one record, the sender's public key as its key id.</summary>
    public byte[] Decrypt(byte[] body)
    {
        var salt = body[..16];
        var recordSize = BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(16, 4));
        var idLength = body[20];
        Assert.Equal(65, idLength);
        var senderKey = body[21..(21 + idLength)];
        var record = body[(21 + idLength)..];
        Assert.True(record.Length <= recordSize, "One record only");

        using var sender = ECDiffieHellman.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = senderKey[1..33], Y = senderKey[33..] },
        });
        var sharedSecret = _key.DeriveRawSecretAgreement(sender.PublicKey);
        byte[] keyInfo = [.. "WebPush: info\0"u8, .. PublicKey, .. senderKey];
        var ikm = HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, 32, _auth, keyInfo);
        var contentKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 16, salt, "Content-Encoding: aes128gcm\0"u8.ToArray());
        var nonce = HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, 12, salt, "Content-Encoding: nonce\0"u8.ToArray());

        var plain = new byte[record.Length - 16];
        using var aes = new AesGcm(contentKey, 16);
        aes.Decrypt(nonce, record[..^16], record[^16..], plain);
        var end = plain.Length - 1;
        while (plain[end] == 0)
            end--;
        Assert.Equal(0x02, plain[end]);          // the last record's delimiter, then padding
        return plain[..end];
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
