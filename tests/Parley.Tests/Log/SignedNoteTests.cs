using Parley.Server.Features.Records.Log;

namespace Parley.Tests.Log;

/// <summary>C2SP signed notes and checkpoints, checked against the published golang.org/x/mod/sumdb/note test data.</summary>
public class SignedNoteTests
{
    // From golang.org/x/mod sumdb/note/note_test.go.
    private const string PeterKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string PeterPrivate = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";   // from PRIVATE+KEY+PeterNeumann+c74f20a3+…
    private const string EnochKey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
    private const string Text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string PeterSig = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    private const string EnochSig = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    private static NoteSigner Peter() => NoteSigner.Create("PeterNeumann", Convert.FromBase64String(PeterPrivate)[1..]);

    [Fact]
    public void The_published_key_signs_the_published_note_byte_for_byte()
    {
        var peter = Peter();

        Assert.Equal(0xc74f20a3u, peter.KeyId);
        Assert.Equal(PeterKey, peter.VerifierKey);
        Assert.Equal(Text + "\n" + PeterSig, peter.Sign(Text));
        Assert.Equal((byte)0xE2, System.Text.Encoding.UTF8.GetBytes(peter.Sign(Text))[Text.Length + 1]);   // U+2014, not a hyphen
    }

    [Fact]
    public void The_published_notes_verify_with_their_keys_and_unknown_signatures_are_ignored()
    {
        var both = Text + "\n" + PeterSig + EnochSig;

        Assert.Equal(new NoteCheck(true, Text, "PeterNeumann", null), NoteVerifier.Verify(both, [PeterKey]));
        Assert.Equal(new NoteCheck(true, Text, "EnochRoot", null), NoteVerifier.Verify(Text + "\n" + EnochSig + PeterSig, [PeterKey, EnochKey]));
        Assert.Equal(new NoteCheck(true, Text, "EnochRoot", null), NoteVerifier.Verify(both, [EnochKey]));
        Assert.Equal(NoteVerifier.NoKnownSignature, NoteVerifier.Verify(both, []).Problem);
        Assert.Equal(NoteVerifier.NoKnownSignature, NoteVerifier.Verify(Text + "\n" + EnochSig, [PeterKey]).Problem);
    }

    [Fact]
    public void Verifier_keys_parse_and_every_mangling_of_the_published_one_is_refused()
    {
        Assert.True(NoteVerifier.TryParseVerifierKey(PeterKey, out var name, out var id, out var key));
        Assert.Equal(("PeterNeumann", 0xc74f20a3u), (name, id));
        Assert.Equal(Peter().PublicKey, key);

        for (var i = 0; i <= PeterKey.Length; i++)
            for (var j = i + 1; j <= PeterKey.Length; j++)
                if (i != 0 || j != PeterKey.Length)
                    Assert.False(NoteVerifier.TryParseVerifierKey(PeterKey[i..j], out _, out _, out _), PeterKey[i..j]);
        for (var i = 0; i < PeterKey.Length; i++)
        {
            var mangled = PeterKey[..i] + (char)(PeterKey[i] + 1) + PeterKey[(i + 1)..];
            Assert.False(NoteVerifier.TryParseVerifierKey(mangled, out _, out _, out _), mangled);
        }
        Assert.False(NoteVerifier.TryParseVerifierKey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", out _, out _, out _));
        Assert.False(NoteVerifier.TryParseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", out _, out _, out _));
        Assert.Throws<ArgumentException>(() => NoteVerifier.Verify(Text + "\n" + PeterSig, ["not a key"]));
    }

    [Fact]
    public void A_generated_key_round_trips_and_rejects_the_wrong_key_and_any_alteration()
    {
        var (seed, publicKey) = NoteSigner.GenerateKey();
        var signer = NoteSigner.Create("parley.example/org/7", seed);
        Assert.Equal(publicKey, signer.PublicKey);
        var body = "parley.example/org/7\n42\n" + Convert.ToBase64String(new byte[32]) + "\n";
        var note = signer.Sign(body);

        Assert.Equal(new NoteCheck(true, body, "parley.example/org/7", null), NoteVerifier.Verify(note, [signer.VerifierKey, PeterKey]));
        Assert.Equal(note, signer.Sign(body));   // Ed25519 is deterministic

        var other = NoteSigner.Create("parley.example/org/7", NoteSigner.GenerateKey().seed);   // same name, other key
        Assert.Equal(NoteVerifier.NoKnownSignature, NoteVerifier.Verify(note, [other.VerifierKey]).Problem);

        Assert.Equal(NoteVerifier.BadSignature, NoteVerifier.Verify(note.Replace("\n42\n", "\n43\n"), [signer.VerifierKey]).Problem);
        var sigStart = note.LastIndexOf(' ') + 1;
        var flipped = note[..(sigStart + 10)] + (note[sigStart + 10] == 'A' ? 'B' : 'A') + note[(sigStart + 11)..];
        Assert.Equal(NoteVerifier.BadSignature, NoteVerifier.Verify(flipped, [signer.VerifierKey]).Problem);
        // A forged signature line under a known key rejects the note even beside a good one (spec: SHOULD).
        Assert.Equal(NoteVerifier.BadSignature, NoteVerifier.Verify(note + flipped[(flipped.LastIndexOf('\n', flipped.Length - 2) + 1)..], [signer.VerifierKey]).Problem);
    }

    [Theory]
    [InlineData(Text)]
    [InlineData(Text + "\n")]
    [InlineData(Text + "\n" + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=")]
    [InlineData("\u0001" + Text + "\n" + PeterSig)]
    [InlineData(Text + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData(Text + "\n" + PeterSig + "Unexpected line.\n")]
    [InlineData(Text + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData(Text + "\n" + "— PeterNeumann x08g o/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")]
    [InlineData(Text + "\n" + "— PeterNeumann x08g\n")]
    [InlineData(Text + "\r\n" + PeterSig)]
    [InlineData("")]
    public void Malformed_notes_are_refused_as_such(string note)
    {
        Assert.Equal(new NoteCheck(false, null, null, NoteVerifier.Malformed), NoteVerifier.Verify(note, [PeterKey]));
    }

    [Fact]
    public void A_lone_surrogate_is_not_valid_UTF_8_and_so_malformed()
    {
        Assert.Equal(NoteVerifier.Malformed, NoteVerifier.Verify("\ud800" + Text + "\n" + PeterSig, [PeterKey]).Problem);
        Assert.Equal(NoteVerifier.Malformed, NoteVerifier.Verify(Text + "\udc00\n" + PeterSig, [PeterKey]).Problem);
    }

    [Fact]
    public void Too_many_signatures_make_a_note_malformed()
    {
        Assert.True(NoteVerifier.Verify(Text + "\n" + string.Concat(Enumerable.Repeat(PeterSig, 100)), [PeterKey]).Valid);
        Assert.Equal(NoteVerifier.Malformed, NoteVerifier.Verify(Text + "\n" + string.Concat(Enumerable.Repeat(PeterSig, 101)), [PeterKey]).Problem);
    }

    [Fact]
    public void Signer_refuses_bad_names_seeds_and_bodies()
    {
        var seed = NoteSigner.GenerateKey().seed;
        Assert.Throws<ArgumentException>(() => NoteSigner.Create("a+b", seed));
        Assert.Throws<ArgumentException>(() => NoteSigner.Create("a b", seed));
        Assert.Throws<ArgumentException>(() => NoteSigner.Create("a\u00a0b", seed));
        Assert.Throws<ArgumentException>(() => NoteSigner.Create("", seed));
        Assert.Throws<ArgumentException>(() => NoteSigner.Create("ok", seed[..31]));
        var signer = NoteSigner.Create("ok", seed);
        Assert.Throws<ArgumentException>(() => signer.Sign("abc"));
        Assert.Throws<ArgumentException>(() => signer.Sign("a\tb\n"));
        Assert.Throws<ArgumentException>(() => signer.Sign(""));
    }

    [Fact]
    public void Checkpoints_round_trip_through_a_signed_note()
    {
        var root = Rfc9162.RootOf([Rfc9162.LeafHash([1]), Rfc9162.LeafHash([2])]);
        var checkpoint = new Checkpoint("parley.example/org/7", 2, root, ["ext one", "ext two"]);
        var body = checkpoint.Body();
        Assert.Equal($"parley.example/org/7\n2\n{Convert.ToBase64String(root)}\next one\next two\n", body);

        var signer = NoteSigner.Create("parley.example/org/7", NoteSigner.GenerateKey().seed);
        var check = NoteVerifier.Verify(signer.Sign(body), [signer.VerifierKey]);
        Assert.True(check.Valid);
        Assert.True(Checkpoint.TryParse(check.Body!, out var parsed));
        Assert.Equal(("parley.example/org/7", 2L), (parsed!.Origin, parsed.Size));
        Assert.Equal(root, parsed.Root);
        Assert.Equal(["ext one", "ext two"], parsed.Extensions);
        Assert.Equal(body, parsed.Body());

        Assert.True(Checkpoint.TryParse($"o\n0\n{Convert.ToBase64String(Rfc9162.EmptyRoot)}\n", out var empty));
        Assert.Equal((0L, 0), (empty!.Size, empty.Extensions.Count));
    }

    [Theory]
    [InlineData("o\n2\nROOT\n", true)]
    [InlineData("o\n2\nROOT", false)]   // no final newline
    [InlineData("\n2\nROOT\n", false)]   // empty origin
    [InlineData("o\n02\nROOT\n", false)]   // leading zero
    [InlineData("o\n-2\nROOT\n", false)]
    [InlineData("o\n+2\nROOT\n", false)]
    [InlineData("o\n 2\nROOT\n", false)]
    [InlineData("o\n99999999999999999999\nROOT\n", false)]
    [InlineData("o\n2\nAAAA\n", false)]   // not 32 bytes
    [InlineData("o\n2\nROOT\n\n", false)]   // empty extension line
    [InlineData("o\n2\n", false)]
    [InlineData("o\n2\nROOT\r\n", false)]
    public void Checkpoint_bodies_parse_strictly(string body, bool ok)
    {
        var root = Convert.ToBase64String(Rfc9162.EmptyRoot);
        Assert.Equal(ok, Checkpoint.TryParse(body.Replace("ROOT", root), out var checkpoint));
        Assert.Equal(ok, checkpoint is not null);
    }
}
