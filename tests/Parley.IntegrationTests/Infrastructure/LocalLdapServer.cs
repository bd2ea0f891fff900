using System.Diagnostics;
using System.Text;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>
/// A real OpenLDAP <c>slapd</c> on loopback, with its own configuration and mdb database in a temporary folder (the
/// system's configuration is left alone), the standard schemas of <c>/etc/ldap/schema/</c>, a read-only service account
/// for Parley to bind with, and a size limit of 500 entries that only a paged search (RFC 2696) gets past. Entries are
/// loaded with <c>ldapadd</c>, changed with <c>ldapmodify</c> and removed with <c>ldapdelete</c>, as an admin would.
/// Use it as a class fixture; each test works under an organizational unit of its own (<see cref="NewTreeAsync"/>).
/// </summary>
public sealed class LocalLdapServer : IAsyncLifetime
{
    public const string Suffix = "dc=parley,dc=test", RootDn = "cn=admin," + Suffix, RootPassword = "root-secret";
    public const string SyncDn = "cn=parley-sync," + Suffix, SyncPassword = "sync-secret with spaces";
    public const int SizeLimit = 500;

    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("parley-slapd-").FullName;
    private int? _pid;

    public string Url { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists("/usr/sbin/slapd") || !File.Exists("/usr/bin/ldapadd"))
            throw new InvalidOperationException("OpenLDAP is not installed: apt-get install slapd ldap-utils (as .ci/run does).");
        System.IO.Directory.CreateDirectory(Path.Combine(_folder, "db"));
        await File.WriteAllTextAsync(Path.Combine(_folder, "slapd.conf"), $"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            include /etc/ldap/schema/nis.schema
            modulepath /usr/lib/ldap
            moduleload back_mdb
            pidfile {_folder}/slapd.pid
            sizelimit size.soft={SizeLimit} size.hard={SizeLimit} size.prtotal=unlimited
            access to attrs=userPassword by anonymous auth by * none
            access to * by users read by * none
            database mdb
            suffix "{Suffix}"
            rootdn "{RootDn}"
            rootpw {RootPassword}
            directory {_folder}/db
            maxsize 1073741824
            dbnosync
            envflags writemap nometasync
            index objectClass eq
            """);
        // A port below the ephemeral range; another process may hold it, so a few are tried.
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            File.Delete(Path.Combine(_folder, "slapd.pid"));          // a failed attempt's must not be read as this one's
            var started = await RunAsync("/usr/sbin/slapd", null, "-f", Path.Combine(_folder, "slapd.conf"), "-h", $"ldap://127.0.0.1:{port}/");
            // slapd's exit code says it detached, not that its child serves: that child can still die, or another
            // process can hold the port. Ready is when a bind as the root DN answers.
            if (started.ExitCode == 0 && await AnswersAsync($"ldap://127.0.0.1:{port}/") is { } pid)
            {
                Url = $"ldap://127.0.0.1:{port}/";
                _pid = pid;
                break;
            }
            if (attempt == 5)
                throw new InvalidOperationException($"slapd did not start: {started.Output}");
        }
        await AddAsync($"""
            dn: {Suffix}
            objectClass: dcObject
            objectClass: organization
            o: Parley tests
            dc: parley

            dn: {SyncDn}
            objectClass: organizationalRole
            objectClass: simpleSecurityObject
            cn: parley-sync
            userPassword: {SyncPassword}
            """);
    }

    /// <summary>
    /// The started slapd's process id once a bind as the root DN at <paramref name="url"/> succeeds; null if slapd is gone
    /// first, or does not answer within 15 seconds (it is then stopped, so the next attempt starts clean).
    /// </summary>
    private async Task<int?> AnswersAsync(string url)
    {
        var pidFile = Path.Combine(_folder, "slapd.pid");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var pid = File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var p) ? p : (int?)null;
            if (pid is { } alive && !Running(alive))
                return null;
            if (pid is not null && (await RunAsync("/usr/bin/ldapwhoami", null, "-x", "-H", url, "-D", RootDn, "-w", RootPassword)).ExitCode == 0)
                return pid;
            await Task.Delay(100);        // nothing to await: a listener opening sends no signal
        }
        if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var stuck) && Running(stuck))
        {
            using var slapd = Process.GetProcessById(stuck);
            slapd.Kill();
            await slapd.WaitForExitAsync();
        }
        return null;
    }

    private static bool Running(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_pid is { } pid)
        {
            using var slapd = Process.GetProcessById(pid);
            slapd.Kill();
            await slapd.WaitForExitAsync();
        }
        try { System.IO.Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    /// <summary>A fresh <c>ou=…</c> with <c>ou=people</c> and <c>ou=groups</c> under it, for one test: returns its DN.</summary>
    public async Task<string> NewTreeAsync()
    {
        var ou = $"ou=t{Guid.NewGuid():N},{Suffix}";
        await AddAsync($"""
            dn: {ou}
            objectClass: organizationalUnit
            ou: {ou[3..ou.IndexOf(',')]}

            dn: ou=people,{ou}
            objectClass: organizationalUnit
            ou: people

            dn: ou=groups,{ou}
            objectClass: organizationalUnit
            ou: groups
            """);
        return ou;
    }

    /// <summary>An inetOrgPerson in LDIF; <paramref name="mail"/> null leaves the attribute out.</summary>
    public static string Person(string tree, string uid, string? mail, string cn, string? title = null) =>
        $"dn: uid={uid},ou=people,{tree}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {cn}\nsn: {cn.Split(' ')[^1]}\n" +
        (mail is null ? "" : $"mail: {mail}\n") + (title is null ? "" : $"title: {title}\n") + "\n";

    /// <summary>A groupOfNames of people by uid.</summary>
    public static string Group(string tree, string name, params string[] uids) =>
        $"dn: cn={name},ou=groups,{tree}\nobjectClass: groupOfNames\ncn: {name}\n" +
        string.Concat(uids.Select(uid => $"member: uid={uid},ou=people,{tree}\n")) + "\n";

    public Task AddAsync(string ldif) => ToolAsync("/usr/bin/ldapadd", ldif);

    public Task ModifyAsync(string ldif) => ToolAsync("/usr/bin/ldapmodify", ldif);

    public async Task DeleteAsync(params string[] dns)
    {
        var result = await RunAsync("/usr/bin/ldapdelete", null, ["-x", "-H", Url, "-D", RootDn, "-w", RootPassword, .. dns]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"ldapdelete failed: {result.Output}");
    }

    /// <summary>The entryUUID slapd gave an entry.</summary>
    public async Task<string> EntryUuidAsync(string dn)
    {
        var result = await RunAsync("/usr/bin/ldapsearch", null, "-x", "-LLL", "-H", Url, "-D", RootDn, "-w", RootPassword, "-s", "base", "-b", dn, "entryUUID");
        return result.Output.Split('\n').Single(l => l.StartsWith("entryUUID: ", StringComparison.Ordinal))["entryUUID: ".Length..].Trim();
    }

    private async Task ToolAsync(string tool, string ldif)
    {
        var result = await RunAsync(tool, ldif, "-x", "-H", Url, "-D", RootDn, "-w", RootPassword);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(tool)} failed: {result.Output}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
            await process.StandardInput.WriteAsync(input.Replace("\r\n", "\n"));
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        var text = new StringBuilder(await output).Append(await error).ToString();
        return (process.ExitCode, text);
    }
}
