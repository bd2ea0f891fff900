using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Backups;
using Parley.Server.Features.Compliance;
using Parley.Server.Features.Files;
using Parley.Server.Features.Organizations;
using Parley.Server.Features.Records;

namespace Parley.Server.Platform;

/// <summary>
/// <c>Parley.Server admin COMMAND …</c>: the operator's commands, run by the server's own binary on the server's own
/// configuration (appsettings.json, <c>Parley__…</c> variables, <c>--Parley:…=…</c> arguments) and services, without
/// serving anything. Exit 0: done (and, for a drill, intact); 1: the drill found the record not intact; 2: wrong usage or
/// input (a missing folder, a non-empty target, the wrong engine), said in one <c>error:</c> line.
/// </summary>
/// <remarks>
/// <c>parley verify</c> stays a tool of its own: it checks an export without the server, which is the point of it.
/// </remarks>
public static class AdminCommands
{
    public const string Word = "admin";

    /// <summary>
    /// Splits the command line at <c>admin</c>: what comes before, and every <c>--Key=value</c> with a ':' in its key
    /// after, is configuration for the host; the rest is the admin command. Null when there is no admin command.
    /// </summary>
    public static (string[] HostArgs, string[]? Command) Split(string[] args)
    {
        var at = Array.IndexOf(args, Word);
        if (at < 0)
            return (args, null);
        static bool IsSetting(string a) => a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=') is > 2 and var eq && a[..eq].Contains(':');
        var rest = args[(at + 1)..];
        return ([.. args[..at], .. rest.Where(IsSetting)], [.. rest.Where(a => !IsSetting(a))]);
    }

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var root = new RootCommand("Parley's operator commands, on the server's configuration (run them beside the server, as the same user).");
        var exitCode = 0;

        void Add(Command command, Func<ParseResult, Task<int>> action)
        {
            command.SetAction(async parsed =>
            {
                try
                {
                    exitCode = await action(parsed);
                }
                catch (Exception e) when (e is AdminInputException or DomainException or IOException or UnauthorizedAccessException or Npgsql.NpgsqlException)
                {
                    error.WriteLine($"error: {e.Message}");
                    exitCode = 2;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A failure of the command itself (a database that cannot be opened, a bug): never exit 1, which is a verdict.
                    error.WriteLine($"error: the command failed: {e}");
                    exitCode = 2;
                }
            });
            root.Subcommands.Add(command);
        }

        var to = new Option<string>("--to") { Description = "A new (or empty) folder to back up into.", Required = true };
        Add(new Command("backup", "Back up the database (online, while the server runs), the file store and the key ring into a new folder.") { to },
            async parsed =>
            {
                await CreateBackup.RunAsync(services, parsed.GetValue(to)!, services.GetRequiredService<TimeProvider>(), new ProgressReport(output), ct);
                return 0;
            });

        var from = new Option<string>("--from") { Description = "The backup folder (with its manifest.json).", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace the database, files and keys the target already holds." };
        var witness = new Option<string[]>("--witness")
        {
            Description = "Another folder of published checkpoints to check against (a copy of the witness's); repeat for several.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        Add(new Command("restore", "Restore a backup into the configured data directory and database, then run the restore drill.") { from, force, witness },
            async parsed =>
            {
                var manifest = await RestoreBackup.RunAsync(services, parsed.GetValue(from)!, parsed.GetValue(force), new ProgressReport(output), ct);
                output.WriteLine("Restore drill:");
                return await RestoreDrill.RunAsync(services, manifest, parsed.GetValue(witness) ?? [], output, ct) ? 0 : 1;
            });

        var backupOf = new Option<string>("--backup") { Description = "The backup this deployment was restored from, to check against its manifest too." };
        Add(new Command("drill", "The restore drill: each organization's log against its newest published checkpoints, then the integrity check.")
            { backupOf, witness },
            async parsed =>
            {
                await DatabaseAsync(services, ct);
                var manifest = parsed.GetValue(backupOf) is { } folder ? await BackupManifest.ReadAsync(Path.GetFullPath(folder), ct) : null;
                return await RestoreDrill.RunAsync(services, manifest, parsed.GetValue(witness) ?? [], output, ct) ? 0 : 1;
            });

        var name = new Option<string>("--name") { Description = "The organization's name.", Required = true };
        var ownerEmail = new Option<string>("--owner-email") { Description = "Who receives the single-use invite to be its first owner.", Required = true };
        var url = new Option<string>("--url") { Description = "The server's address, for the invite link.", DefaultValueFactory = _ => "http://localhost:5080" };
        Add(new Command("create-organization", "Create an organization and print the single-use invite link of its first owner.") { name, ownerEmail, url },
            async parsed =>
            {
                await DatabaseAsync(services, ct, create: true);
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
                var (org, invite, token) = await CreateOrganization.CreateAsync(db, parsed.GetValue(name)!, parsed.GetValue(ownerEmail)!, null, null, null,
                    services.GetRequiredService<TimeProvider>().GetUtcNow(), ct);
                output.WriteLine($"organization {org.Id} ({org.Name})");
                output.WriteLine($"owner invite for {invite.Email}, valid until {invite.ExpiresAt:u}: {parsed.GetValue(url)!.TrimEnd('/')}/invite#{token}");
                return 0;
            });

        Add(new Command("organizations", "List the organizations: id, name, size of the record's log."), async _ =>
        {
            await DatabaseAsync(services, ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            var sizes = await db.RecordLogs.AsNoTracking().ToDictionaryAsync(l => l.OrganizationId, l => l.Size, ct);
            foreach (var o in await db.Organizations.AsNoTracking().OrderBy(o => o.CreatedAt).Select(o => new { o.Id, o.Name }).ToListAsync(ct))
                output.WriteLine($"{o.Id}  {sizes.GetValueOrDefault(o.Id),8} leaves  {o.Name}");
            return 0;
        });

        Add(new Command("search-rebuild", "Rebuild the full-text index of messages from the messages and their files (the server may run)."), async _ =>
        {
            await DatabaseAsync(services, ct);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
            output.WriteLine("Rebuilding the search index; this takes about a minute per million messages...");
            var count = await Features.Search.SearchIndex.RebuildAsync(db, ct);
            output.WriteLine($"The search index holds {count} messages.");
            return 0;
        });

        var organization = new Option<string>("--organization") { Description = "The organization: its id, or its exact name.", Required = true };
        var file = new Option<string>("--to") { Description = "The ZIP file to write (must not exist).", Required = true };
        Add(new Command("export", "Export an organization's record as a bundle that `parley verify` checks offline.") { organization, file },
            async parsed =>
            {
                var path = Path.GetFullPath(parsed.GetValue(file)!);
                if (File.Exists(path) || Directory.Exists(path))
                    throw new AdminInputException($"{path} exists: export into a new file.");
                var organizationId = await OrganizationAsync(services, parsed.GetValue(organization)!, ct);
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
                db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
                var clock = services.GetRequiredService<TimeProvider>();
                output.WriteLine($"Exporting the record of organization {organizationId}...");
                var checkpoint = await ExportRecord.WriteBundleAsync(db, scope.ServiceProvider.GetRequiredService<RecordSequencer>(),
                    scope.ServiceProvider.GetRequiredService<FileStore>(), clock, organizationId, path, ct);
                await using (var tx = await db.BeginWriteAsync(ct))
                {
                    await db.AuditAsync(organizationId, AuditAction.RecordExported, null, "record", organizationId.ToString(),
                        new { size = checkpoint.Size, root = checkpoint.Root, commandLine = true }, null, clock.GetUtcNow(), ct);
                    await db.SaveChangesAsync(ct);
                    await tx.CommitAsync(ct);
                }
                output.WriteLine($"Exported {checkpoint.Size} leaves (root {checkpoint.Root}) to {path}");
                return 0;
            });

        var limit = new Option<int>("--limit") { Description = "Messages listed per conversation.", DefaultValueFactory = _ => RetentionDryRun.DefaultLimit };
        Add(new Command("retention-dry-run", "What the next retention purge would erase, changing nothing.") { organization, limit }, async parsed =>
        {
            var first = parsed.GetValue(limit);
            if (first is < 1 or > RetentionDryRun.MaxLimit)
                throw new AdminInputException($"--limit is 1 to {RetentionDryRun.MaxLimit}.");
            var organizationId = await OrganizationAsync(services, parsed.GetValue(organization)!, ct);
            await using var scope = services.CreateAsyncScope();
            var run = await RetentionDryRun.ComputeAsync(scope.ServiceProvider.GetRequiredService<ParleyDb>(), organizationId, first,
                services.GetRequiredService<TimeProvider>().GetUtcNow(), ct);
            output.WriteLine($"The next purge would erase {run.Total} message(s) in {run.Conversations.Count} conversation(s).");
            foreach (var c in run.Conversations)
                output.WriteLine($"  conversation {c.ConversationId} ({c.Policy} policy): {c.Count}; first: " +
                    string.Join(", ", c.First.Select(m => string.Create(CultureInfo.InvariantCulture, $"#{m.Seq} of {m.CreatedAt:yyyy-MM-dd}"))));
            return 0;
        });

        Add(new Command("holds", "List an organization's legal holds, released ones included.") { organization }, async parsed =>
        {
            var organizationId = await OrganizationAsync(services, parsed.GetValue(organization)!, ct);
            await using var scope = services.CreateAsyncScope();
            var holds = await ReadLegalHolds.ForOrganizationAsync(scope.ServiceProvider.GetRequiredService<ParleyDb>(), organizationId, ct);
            output.WriteLine($"{holds.Count} legal hold(s).");
            foreach (var h in holds)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {h.Id}  {h.Status,-15}  {h.Name}: {h.CustodianIds.Count} custodian(s), {h.ConversationIds.Count} conversation(s), " +
                    $"{h.Words.Count} word(s), from {h.From?.ToString("u") ?? "the start"} to {h.To?.ToString("u") ?? "now"}; placed {h.CreatedAt:u}"));
            return 0;
        });

        var result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (var problem in result.Errors)
                error.WriteLine($"error: {problem.Message}");
            error.WriteLine("usage: Parley.Server admin COMMAND [options]; admin --help lists the commands");
            return 2;
        }
        var code = await result.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct);
        return result.CommandResult.Command == root ? code : exitCode;
    }

    /// <summary>
    /// The configured database, at this version's schema (pending migrations run, as at a server's start). A SQLite file
    /// that is not there is an error, unless the command creates the first data (<paramref name="create"/>).
    /// </summary>
    private static async Task DatabaseAsync(IServiceProvider services, CancellationToken ct, bool create = false)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        if (!create && db.Database.IsSqlite() &&
            new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource is var file && !File.Exists(file))
            throw new AdminInputException($"There is no database at {Path.GetFullPath(file)}: check Parley__DataDirectory and Parley__Database__ConnectionString.");
        await db.Database.MigrateAsync(ct);
    }

    private static async Task<Guid> OrganizationAsync(IServiceProvider services, string idOrName, CancellationToken ct)
    {
        await DatabaseAsync(services, ct);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
        var found = Guid.TryParse(idOrName, out var id)
            ? await db.Organizations.Where(o => o.Id == id).Select(o => o.Id).ToListAsync(ct)
            : await db.Organizations.Where(o => o.Name == idOrName).Select(o => o.Id).ToListAsync(ct);
        return found.Count switch
        {
            1 => found[0],
            0 => throw new AdminInputException($"There is no organization '{idOrName}': `admin organizations` lists them."),
            _ => throw new AdminInputException($"{found.Count} organizations are named '{idOrName}': give its id (`admin organizations` lists them)."),
        };
    }
}

/// <summary>An admin command that cannot be done as asked (a missing folder, a non-empty target…): the message says why and what to do. Exit code 2.</summary>
public sealed class AdminInputException(string message) : Exception(message);
