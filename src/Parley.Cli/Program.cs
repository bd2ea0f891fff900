using System.CommandLine;

namespace Parley.Cli;

/// <summary>
/// <c>parley verify BUNDLE --key VKEY [--key …] [--key-file FILE]</c>. Exit 0: the bundle verifies (a summary is printed);
/// 1: it does not (one line, <c>FAIL …</c>, names the first failure); 2: wrong usage, a malformed key, or a bundle that
/// cannot be read at all. The same exit codes and lines as <c>tools/verify-record.py</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "The export bundle: a folder, or a .zip of one." };
        var keys = new Option<string[]>("--key")
        {
            Description = "A verifier key you trust, name+hex8+base64 (from the organization's admin, not from the bundle). Repeat for several.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var keyFiles = new Option<FileInfo[]>("--key-file")
        {
            Description = "A file of trusted verifier keys, one per line; blank lines and lines starting with # are skipped.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var verify = new Command("verify", "Verify an export bundle of an organization's record offline (docs/record-format.md).")
        {
            bundle, keys, keyFiles,
        };
        var exitCode = 2;
        verify.SetAction(parsed => exitCode = Verify(parsed.GetValue(bundle)!, parsed.GetValue(keys) ?? [], parsed.GetValue(keyFiles) ?? [], output, error));
        var root = new RootCommand("Parley's offline tools.") { verify };

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var problem in result.Errors)
                error.WriteLine($"error: {problem.Message}");
            error.WriteLine("usage: parley verify BUNDLE --key VKEY [--key VKEY ...] [--key-file FILE]");
            return 2;
        }
        var code = result.Invoke(new InvocationConfiguration { Output = output, Error = error });
        return result.CommandResult.Command == verify ? exitCode : code;
    }

    private static int Verify(string path, string[] keys, FileInfo[] keyFiles, TextWriter output, TextWriter error)
    {
        try
        {
            var trusted = keys.Concat(keyFiles.SelectMany(f => File.ReadAllLines(f.FullName)))
                .Select(k => k.Trim()).Where(k => k.Length > 0 && !k.StartsWith('#')).ToList();
            if (trusted.Count == 0)
            {
                error.WriteLine("error: give at least one trusted verifier key (--key or --key-file)");
                return 2;
            }
            var verdict = BundleVerifier.Verify(path, trusted);
            output.WriteLine(verdict.Text);
            return verdict.Ok ? 0 : 1;
        }
        catch (Exception e) when (e is BundleUnreadableException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: {e.Message}");
            return 2;
        }
        catch (Exception e)
        {
            // A bug of this verifier, not a verdict on the bundle: never exit 1 for it.
            error.WriteLine($"error: the verifier failed: {e}");
            return 2;
        }
    }
}
