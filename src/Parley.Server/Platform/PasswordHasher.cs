using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Parley.Server.Platform;

/// <summary>Argon2id cost. Section "Parley:Passwords". Defaults follow OWASP's password storage guidance.</summary>
public sealed class PasswordOptions
{
    public const string Section = "Parley:Passwords";

    /// <summary>Memory per hash in KiB (default 19 MiB).</summary>
    [Range(1024, 1024 * 1024)] public int MemoryKiB { get; set; } = 19 * 1024;

    /// <summary>Passes over memory.</summary>
    [Range(1, 20)] public int Iterations { get; set; } = 2;

    public const int MinLength = 10;
    public const int MaxLength = 256;
}

/// <summary>
/// Argon2id through libsodium. The stored form names its parameters, so raising the cost later only affects
/// new hashes and <see cref="NeedsRehash"/> tells login to upgrade old ones.
/// </summary>
public sealed class PasswordHasher(IOptions<PasswordOptions> options)
{
    private const int SaltLength = 16, HashLength = 32;

    public string Hash(string password)
    {
        var o = options.Value;
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        var hash = Derive(password, salt, o.MemoryKiB, o.Iterations);
        return $"argon2id$m={o.MemoryKiB},t={o.Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public bool Verify(string stored, string password)
    {
        if (!TryParse(stored, out var memory, out var iterations, out var salt, out var expected))
            return false;
        var actual = Derive(password, salt, memory, iterations);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public bool NeedsRehash(string stored) =>
        !TryParse(stored, out var memory, out var iterations, out _, out _)
        || memory != options.Value.MemoryKiB || iterations != options.Value.Iterations;

    /// <summary>Verifies against a throwaway hash, so an unknown email costs as much time as a wrong password.</summary>
    public void SpendEquivalentTime(string password) => Derive(password, new byte[SaltLength], options.Value.MemoryKiB, options.Value.Iterations);

    private static byte[] Derive(string password, byte[] salt, int memoryKiB, int iterations)
    {
        var argon = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = 1,
            MemorySize = memoryKiB,
            NumberOfPasses = iterations,
        });
        return argon.DeriveBytes(Encoding.UTF8.GetBytes(password), salt, HashLength);
    }

    private static bool TryParse(string stored, out int memory, out int iterations, out byte[] salt, out byte[] hash)
    {
        memory = iterations = 0;
        salt = hash = [];
        var parts = stored.Split('$');
        if (parts is not ["argon2id", var cost, var saltText, var hashText])
            return false;
        var costs = cost.Split(',');
        if (costs is not [var m, var t] || !int.TryParse(m.AsSpan(2), out memory) || !int.TryParse(t.AsSpan(2), out iterations))
            return false;
        salt = Convert.FromBase64String(saltText);
        hash = Convert.FromBase64String(hashText);
        return true;
    }
}
