using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Records.Witnesses;

namespace Parley.IntegrationTests.Records.Witnesses;

public sealed class TimestampWitnessTests(LocalTimestampAuthority tsa) : IClassFixture<LocalTimestampAuthority>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private TimestampWitness Witness(Uri? url = null) => new(WitnessFixtures.Clients, url ?? tsa.Url, TimeSpan.FromSeconds(10));

    [Fact]
    public async Task The_authority_stamps_the_note_and_the_token_verifies_for_that_note_only()
    {
        var organizationId = Guid.NewGuid();
        var note = WitnessFixtures.Note(organizationId, 42);
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);        // the TSA's accuracy is 1 s, its clock is ours

        var receipt = await Witness().PublishAsync(organizationId, 42, note, Ct);

        Assert.Equal($"rfc3161 {tsa.Url}", receipt.Witness);
        Assert.NotNull(receipt.Token);
        Assert.InRange(receipt.At, before, DateTimeOffset.UtcNow.AddSeconds(2));
        Assert.True(TimestampWitness.VerifyToken(receipt.Token, note, out var at));
        Assert.Equal(receipt.At, at);
        Assert.False(TimestampWitness.VerifyToken(receipt.Token, WitnessFixtures.Note(organizationId, 43), out _));
        Assert.False(TimestampWitness.VerifyToken(receipt.Token, note.Replace("\n42\n", "\n41\n"), out _));
        Assert.False(TimestampWitness.VerifyToken(receipt.Token, "\ud800", out _));      // not text at all: false, not an exception
    }

    [Fact]
    public async Task The_token_is_signed_by_the_authority_and_chains_to_its_root()
    {
        var organizationId = Guid.NewGuid();
        var note = WitnessFixtures.Note(organizationId, 7);
        var receipt = await Witness().PublishAsync(organizationId, 7, note, Ct);

        Assert.True(Rfc3161TimestampToken.TryDecode(receipt.Token, out var token, out _));
        Assert.Equal(LocalTimestampAuthority.PolicyOid, token.TokenInfo.PolicyId.Value);
        var signer = Assert.Single(token.AsSignedCms().SignerInfos.Cast<SignerInfo>());
        Assert.Equal(tsa.Signer.Thumbprint, signer.Certificate?.Thumbprint);
        Assert.True(TimestampWitness.VerifyToken(receipt.Token!, note, [tsa.Root], out _));

        using var stranger = StrangerRoot();
        Assert.False(TimestampWitness.VerifyToken(receipt.Token!, note, [stranger], out _));
    }

    [Fact]
    public async Task A_replayed_answer_is_refused_even_for_the_same_note()
    {
        var organizationId = Guid.NewGuid();
        var note = WitnessFixtures.Note(organizationId, 1);
        await Witness().PublishAsync(organizationId, 1, note, Ct);
        var old = tsa.LastReply!;
        await using var replayer = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/timestamp-reply";
            await context.Response.Body.WriteAsync(old, context.RequestAborted);
        });

        // Same hash, valid signature: only the nonce tells this answer was made for an earlier request.
        var error = await Assert.ThrowsAsync<WitnessException>(() => Witness(replayer.Url).PublishAsync(organizationId, 1, note, Ct));

        Assert.Contains(replayer.Url.ToString(), error.Message);
        Assert.Contains("does not stamp checkpoint 1", error.Message);
    }

    [Fact]
    public async Task An_answer_for_another_note_is_refused()
    {
        var organizationId = Guid.NewGuid();
        await Witness().PublishAsync(organizationId, 1, WitnessFixtures.Note(organizationId, 1), Ct);
        var old = tsa.LastReply!;
        await using var replayer = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/timestamp-reply";
            await context.Response.Body.WriteAsync(old, context.RequestAborted);
        });

        var error = await Assert.ThrowsAsync<WitnessException>(() =>
            Witness(replayer.Url).PublishAsync(organizationId, 2, WitnessFixtures.Note(organizationId, 2), Ct));

        Assert.Contains("does not stamp checkpoint 2", error.Message);
    }

    [Fact]
    public async Task An_authority_that_fails_is_named_with_its_status()
    {
        await using var broken = await LoopbackServer.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });

        var error = await Assert.ThrowsAsync<WitnessException>(() =>
            Witness(broken.Url).PublishAsync(Guid.NewGuid(), 3, WitnessFixtures.Note(Guid.NewGuid(), 3), Ct));

        Assert.Contains(broken.Url.ToString(), error.Message);
        Assert.Contains("503", error.Message);
    }

    [Fact]
    public void Garbage_is_not_a_token()
    {
        Assert.False(TimestampWitness.VerifyToken([0x30, 0x03, 0x02, 0x01, 0x00], "note", out _));
        Assert.False(TimestampWitness.VerifyToken([], "note", out _));
    }

    private static X509Certificate2 StrangerRoot()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new CertificateRequest("CN=Someone Else", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
