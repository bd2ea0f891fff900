using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>
/// A real RFC 3161 time-stamp authority on loopback, made of the <c>openssl</c> command: in a temporary folder it makes a
/// CA and a TSA certificate (extendedKeyUsage critical timeStamping), and answers each POSTed
/// <c>application/timestamp-query</c> with <c>openssl ts -reply</c>, as <c>application/timestamp-reply</c>.
/// Use it as a class or assembly fixture; <see cref="Root"/> is the CA to trust when verifying its tokens.
/// </summary>
public sealed class LocalTimestampAuthority : IAsyncLifetime
{
    public const string PolicyOid = "1.3.6.1.4.1.55555.1.1";

    private readonly string _folder = Directory.CreateTempSubdirectory("parley-tsa-").FullName;
    // openssl keeps its serial number in a file: one reply at a time, or two replies could share a serial.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private LoopbackServer? _server;
    private int _replies;

    /// <summary>Where to POST time-stamp queries.</summary>
    public Uri Url => _server?.Url ?? throw new InvalidOperationException("The time-stamp authority has not started.");

    /// <summary>The CA that issued the TSA's certificate.</summary>
    public X509Certificate2 Root { get; private set; } = null!;

    /// <summary>The certificate the TSA signs with.</summary>
    public X509Certificate2 Signer { get; private set; } = null!;

    /// <summary>How many time-stamp replies it has given.</summary>
    public int Replies => Volatile.Read(ref _replies);

    /// <summary>The last reply it gave, as sent (a TimeStampResp), for tests that replay it.</summary>
    public byte[]? LastReply { get; private set; }

    public async ValueTask InitializeAsync()
    {
        await OpenSslAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=Parley Test TSA Root",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        await OpenSslAsync("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Parley Test TSA");
        await File.WriteAllTextAsync(Path.Combine(_folder, "tsa.ext"), """
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature
            extendedKeyUsage = critical, timeStamping
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid
            """);
        await OpenSslAsync("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "tsa.crt", "-days", "3650", "-extfile", "tsa.ext");
        await File.WriteAllTextAsync(Path.Combine(_folder, "tsaserial"), "01\n");
        await File.WriteAllTextAsync(Path.Combine(_folder, "openssl.cnf"), $"""
            [ tsa ]
            default_tsa = parley_test_tsa

            [ parley_test_tsa ]
            dir = {_folder}
            serial = $dir/tsaserial
            signer_cert = $dir/tsa.crt
            certs = $dir/ca.crt
            signer_key = $dir/tsa.key
            signer_digest = sha256
            default_policy = {PolicyOid}
            digests = sha256, sha384, sha512
            accuracy = secs:1
            ordering = no
            tsa_name = yes
            ess_cert_id_chain = no
            ess_cert_id_alg = sha256
            """);

        Root = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_folder, "ca.crt"));
        Signer = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(_folder, "tsa.crt"));
        _server = await LoopbackServer.StartAsync(ReplyAsync);
    }

    private async Task ReplyAsync(HttpContext context)
    {
        if (context.Request.Method != HttpMethods.Post || context.Request.ContentType != "application/timestamp-query")
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        var id = Guid.NewGuid().ToString("N");
        var query = Path.Combine(_folder, $"{id}.tsq");
        var reply = Path.Combine(_folder, $"{id}.tsr");
        await using (var file = File.Create(query))
            await context.Request.Body.CopyToAsync(file, context.RequestAborted);

        await _oneAtATime.WaitAsync(context.RequestAborted);
        try
        {
            await OpenSslAsync("ts", "-reply", "-config", "openssl.cnf", "-queryfile", query, "-out", reply);
        }
        finally
        {
            _oneAtATime.Release();
        }
        var bytes = await File.ReadAllBytesAsync(reply, context.RequestAborted);
        LastReply = bytes;
        Interlocked.Increment(ref _replies);
        context.Response.ContentType = "application/timestamp-reply";
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private async Task OpenSslAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = _folder, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start openssl.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({process.ExitCode}): {await errors}{await output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        Root?.Dispose();
        Signer?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
