using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.DirectorySync;
using Parley.Server.Features.Records;

namespace Parley.IntegrationTests.Identity;

/// <summary>Directory sync against a real OpenLDAP slapd on loopback: people, changes, leavers, bad entries, groups, paging.</summary>
public abstract class DirectorySyncTests(DirectoryApp app, LocalLdapServer ldap)
{
    [Fact]
    public async Task The_first_sync_creates_people_without_a_password_and_a_second_changes_nothing()
    {
        var org = await app.OrganizationAsync();
        var tree = await ldap.NewTreeAsync();
        await ldap.AddAsync(LocalLdapServer.Person(tree, "carol", $"carol@{org.Domain}", "Carol Jones", "Engineer") +
            LocalLdapServer.Person(tree, "dan", $"Dan.Smith@{org.Domain}", "Dan Smith"));
        await DirectoryApp.ConnectAsync(org.Owner, ldap, tree);

        var first = await app.SyncedAsync(org.Owner);
        var second = await app.SyncedAsync(org.Owner);
        var people = await org.Owner.UsersAsync();
        var carol = people.Single(u => u.Email == $"carol@{org.Domain}");
        var dan = people.Single(u => u.Email == $"Dan.Smith@{org.Domain}");
        using var http = app.Http();
        var emptyPassword = await http.PostLoginAsync(carol.Email, "");
        var anyPassword = await http.PostLoginAsync(carol.Email, "a long test password");
        var audit = await org.Owner.AuditAsync();

        Assert.Equal((2, 0, 0, 0), (first.Counts.Created, first.Counts.Updated, first.Counts.Deactivated, first.Counts.Skipped));
        Assert.Equal((0, 0, 2), (second.Counts.Created, second.Counts.Updated, second.Counts.Unchanged));
        Assert.Equal(("Carol Jones", "Engineer", "member", true), (carol.DisplayName, carol.Title, carol.Role, carol.Active));
        Assert.Equal(("Dan Smith", null), (dan.DisplayName, dan.Title));
        Assert.Equal(3, people.Count);
        Assert.True(emptyPassword.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest);
        await anyPassword.ShouldBeProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        Assert.Equal(2, audit.Count(a => a.Action == "UserProvisioned"));
        Assert.Equal(2, audit.Count(a => a.Action == "DirectorySyncCompleted"));
        Assert.Equal(2, audit.Count(a => a.Action == "DirectorySyncRequested" && a.ActorId == org.Owner.Id));
        Assert.Equal(org.Owner.Id, audit.First(a => a.Action == "UserProvisioned").ActorId);
    }

    [Fact]
    public async Task A_change_in_the_directory_updates_the_same_account_even_when_the_email_changes()
    {
        var org = await app.OrganizationAsync();
        var tree = await ldap.NewTreeAsync();
        await ldap.AddAsync(LocalLdapServer.Person(tree, "erin", $"erin@{org.Domain}", "Erin Doe", "Analyst"));
        await DirectoryApp.ConnectAsync(org.Owner, ldap, tree);
        await app.SyncedAsync(org.Owner);
        var before = (await org.Owner.UsersAsync()).Single(u => u.Email == $"erin@{org.Domain}");

        await ldap.ModifyAsync($"""
            dn: uid=erin,ou=people,{tree}
            changetype: modify
            replace: mail
            mail: erin.married@{org.Domain}
            -
            replace: cn
            cn: Erin Married
            -
            replace: title
            title: Lead Analyst
            """);
        var report = await app.SyncedAsync(org.Owner);
        var after = (await org.Owner.UsersAsync()).Where(u => u.Email.StartsWith("erin", StringComparison.Ordinal)).ToList();
        var audit = await org.Owner.AuditAsync("UserUpdated");

        Assert.Equal((0, 1), (report.Counts.Created, report.Counts.Updated));
        Assert.Equal(["email", "displayName", "title"], report.Updated.Single().Fields);
        var erin = Assert.Single(after);
        Assert.Equal((before.Id, $"erin.married@{org.Domain}", "Erin Married", "Lead Analyst"), (erin.Id, erin.Email, erin.DisplayName, erin.Title));
        Assert.Contains("Lead Analyst", Assert.Single(audit).Data.ToString());
    }

    [Fact]
    public async Task Someone_who_leaves_the_directory_is_deactivated_with_their_sessions_and_comes_back_when_their_entry_does()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");                                  // invited before the directory was connected
        var frank = await org.MemberAsync("Frank");
        var tree = await ldap.NewTreeAsync();
        await ldap.AddAsync(LocalLdapServer.Person(tree, "bob", bob.Email, "Bob Builder") + LocalLdapServer.Person(tree, "frank", frank.Email, "Frank"));
        await DirectoryApp.ConnectAsync(org.Owner, ldap, tree);
        var linked = await app.SyncedAsync(org.Owner);
        await (await org.Owner.PostAsync($"/api/v1/users/{frank.Id}/deactivate")).ShouldBe(HttpStatusCode.OK);   // an admin's decision

        await ldap.DeleteAsync($"uid=bob,ou=people,{tree}");
        var left = await app.SyncedAsync(org.Owner);
        var bobsSession = await bob.GetAsync("/api/v1/users/me");
        var bobAfter = (await org.Owner.UsersAsync()).Single(u => u.Id == bob.Id);
        var deactivation = (await org.Owner.AuditAsync("UserDeactivated")).First(a => a.TargetId == bob.Id.ToString());

        await ldap.AddAsync(LocalLdapServer.Person(tree, "bob", bob.Email, "Bob Builder"));
        var back = await app.SyncedAsync(org.Owner);
        var bobBack = (await org.Owner.UsersAsync()).Single(u => u.Id == bob.Id);
        var oldSessionAfterReturn = await bob.GetAsync("/api/v1/users/me");
        var signInAgain = await app.LoginAsync(bob.Email, bob.Password);

        Assert.Equal(2, linked.Counts.Linked);
        Assert.Equal(0, linked.Counts.Created);
        Assert.Equal([bob.Id], left.Deactivated.Select(d => d.UserId));
        Assert.False(bobAfter.Active);
        Assert.Equal(HttpStatusCode.Unauthorized, bobsSession.StatusCode);
        Assert.Contains("\"sessionsEnded\":1", deactivation.Data.ToString()!.Replace(" ", ""));
        Assert.Contains("directory", deactivation.Data.ToString());
        Assert.Equal([bob.Id], back.Reactivated.Select(r => r.UserId));
        Assert.Contains(back.Skipped, s => s.Reason == "deactivated-by-admin" && s.Email == frank.Email);
        Assert.True(bobBack.Active);
        Assert.Equal(HttpStatusCode.Unauthorized, oldSessionAfterReturn.StatusCode);
        Assert.Equal(bob.Id, signInAgain.Id);
        Assert.False((await org.Owner.UsersAsync()).Single(u => u.Id == frank.Id).Active);
    }

    [Fact]
    public async Task Bad_entries_are_skipped_with_their_reason_and_the_good_ones_applied()
    {
        var org = await app.OrganizationAsync();
        var tree = await ldap.NewTreeAsync();
        var d = org.Domain;
        await ldap.AddAsync(
            LocalLdapServer.Person(tree, "good", $"good@{d}", "Good Person") +
            LocalLdapServer.Person(tree, "nomail", null, "No Mail") +
            LocalLdapServer.Person(tree, "badmail", "not an address", "Bad Mail") +
            LocalLdapServer.Person(tree, "twin1", $"twin@{d}", "Twin One") +
            LocalLdapServer.Person(tree, "twin2", $"TWIN@{d}", "Twin Two") +
            LocalLdapServer.Person(tree, "longtitle", $"long@{d}", "Long Title", new string('t', 200)));
        await DirectoryApp.ConnectAsync(org.Owner, ldap, tree);

        var report = await app.SyncedAsync(org.Owner);
        var emails = (await org.Owner.UsersAsync()).Select(u => u.Email).ToList();

        Assert.Equal(1, report.Counts.Created);
        Assert.Equal(5, report.Counts.Skipped);
        Assert.Equal(
            [("email-duplicate", $"uid=twin1,ou=people,{tree}"), ("email-duplicate", $"uid=twin2,ou=people,{tree}"),
             ("email-invalid", $"uid=badmail,ou=people,{tree}"), ("email-missing", $"uid=nomail,ou=people,{tree}"),
             ("title-invalid", $"uid=longtitle,ou=people,{tree}")],
            report.Skipped.Select(s => (s.Reason, s.Entry)).OrderBy(s => s.Reason, StringComparer.Ordinal).ThenBy(s => s.Entry, StringComparer.Ordinal));
        Assert.All(report.Skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Detail)));
        Assert.Contains($"good@{d}", emails);
        Assert.DoesNotContain(emails, e => e.StartsWith("twin", StringComparison.OrdinalIgnoreCase) || e.StartsWith("long@", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_group_gives_its_members_the_channel_of_its_name_and_takes_back_only_what_it_gave()
    {
        var org = await app.OrganizationAsync();
        var tree = await ldap.NewTreeAsync();
        var hana = await org.MemberAsync("Hana");                                 // added to the channel by hand
        var channel = await org.Owner.CreateChannelAsync($"eng-{Guid.NewGuid():N}"[..12], "private", hana);
        await ldap.AddAsync(LocalLdapServer.Person(tree, "gus", $"gus@{org.Domain}", "Gus") + LocalLdapServer.Person(tree, "ida", $"ida@{org.Domain}", "Ida") +
            LocalLdapServer.Group(tree, channel.Name!, "gus", "ida") + LocalLdapServer.Group(tree, "no-such-channel", "gus"));
        await DirectoryApp.ConnectAsync(org.Owner, ldap, tree);

        var addedBefore = await RecordedAsync(channel.Id, RecordKind.MemberAdded);
        var first = await app.SyncedAsync(org.Owner);
        var addedByTheGroup = await RecordedAsync(channel.Id, RecordKind.MemberAdded) - addedBefore;
        var membersAfterFirst = await org.Owner.GetOkAsync<List<MemberDto>>($"/api/v1/conversations/{channel.Id}/members");
        await ldap.ModifyAsync($"""
            dn: cn={channel.Name},ou=groups,{tree}
            changetype: modify
            delete: member
            member: uid=ida,ou=people,{tree}
            """);
        var second = await app.SyncedAsync(org.Owner);
        var membersAfterSecond = await org.Owner.GetOkAsync<List<MemberDto>>($"/api/v1/conversations/{channel.Id}/members");
        var removedByTheGroup = await RecordedAsync(channel.Id, RecordKind.MemberRemoved);
        var d = org.Domain;

        Assert.Equal([$"gus@{d}", $"ida@{d}"], first.MembershipsAdded.Select(a => a.Email).Order());
        Assert.Contains(first.Skipped, s => s.Reason == "channel-missing" && s.Entry == $"cn=no-such-channel,ou=groups,{tree}");
        Assert.Equal(["Alice", "Gus", "Hana", "Ida"], membersAfterFirst.Select(m => m.DisplayName).Order());
        Assert.Equal([$"ida@{d}"], second.MembershipsRemoved.Select(r => r.Email));
        Assert.Equal(["Alice", "Gus", "Hana"], membersAfterSecond.Select(m => m.DisplayName).Order());
        Assert.Equal((2, 1), (addedByTheGroup, removedByTheGroup));             // each change has its entry in the channel's record
        Assert.Equal(2, (await org.Owner.AuditAsync("MemberAdded")).Count(a => a.Data.ToString()!.Contains("directory")));
    }

    private Task<int> RecordedAsync(long conversationId, RecordKind kind) =>
        app.WithDbAsync(db => db.RecordEntries.CountAsync(e => e.ConversationId == conversationId && e.Kind == kind, TestContext.Current.CancellationToken));

    [Fact]
    public async Task Ten_thousand_entries_sync_through_paged_searches()
    {
        var org = await app.OrganizationAsync();
        var tree = await ldap.NewTreeAsync();
        var ldif = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
            ldif.Append(LocalLdapServer.Person(tree, $"p{i}", $"p{i}@{org.Domain}", $"Person {i}", i % 2 == 0 ? "Engineer" : null));
        var load = Stopwatch.StartNew();
        await ldap.AddAsync(ldif.ToString());
        load.Stop();
        await DirectoryApp.ConnectAsync(org.Owner, ldap, tree);

        var sync = Stopwatch.StartNew();
        var report = await app.SyncedAsync(org.Owner);
        sync.Stop();
        var count = await app.WithDbAsync(db => db.Users.CountAsync(u => u.OrganizationId == org.Id, TestContext.Current.CancellationToken));
        var phases = app.Logs.Entries.Last(e => e.Message.Contains(org.Id.ToString(), StringComparison.Ordinal) && e.Message.Contains("done", StringComparison.Ordinal));
        Console.WriteLine($"{app.Engine}: ldapadd of 10,000 entries {load.Elapsed.TotalSeconds:F1} s, sync {sync.Elapsed.TotalSeconds:F1} s ({phases.Message})");

        Assert.Equal(10_000, report.Counts.EntriesRead);                          // past the server's size limit of 500
        Assert.True(10_000 > LocalLdapServer.SizeLimit);
        Assert.Equal(10_000, report.Counts.Created);
        Assert.True(report.Truncated);
        Assert.Equal(DirectorySyncer.MaxListed, report.Created.Count);
        Assert.Equal(10_001, count);
    }

    [Fact]
    public async Task A_directory_that_cannot_be_read_fails_the_run_with_a_reason_and_changes_nothing()
    {
        var org = await app.OrganizationAsync();
        var tree = await ldap.NewTreeAsync();
        await ldap.AddAsync(LocalLdapServer.Person(tree, "jo", $"jo@{org.Domain}", "Jo"));
        await DirectoryApp.ConnectAsync(org.Owner, ldap, tree);
        await (await org.Owner.PutAsync("/api/v1/organization/directory", new
        {
            serverUrl = ldap.Url, bindDn = LocalLdapServer.SyncDn, bindPassword = "a wrong password", baseDn = $"ou=people,{tree}",
            userFilter = "(objectClass=inetOrgPerson)",
        })).ShouldBe(HttpStatusCode.OK);

        var wrongPassword = await app.SyncAsync(org.Owner);
        await (await org.Owner.PutAsync("/api/v1/organization/directory", new
        {
            serverUrl = "ldap://127.0.0.1:9/", bindDn = LocalLdapServer.SyncDn, bindPassword = LocalLdapServer.SyncPassword,
            baseDn = $"ou=people,{tree}", userFilter = "(objectClass=inetOrgPerson)",
        })).ShouldBe(HttpStatusCode.OK);
        var unreachable = await app.SyncAsync(org.Owner);
        var failures = await org.Owner.AuditAsync("DirectorySyncFailed");

        Assert.Equal(("failed", null), (wrongPassword.State, wrongPassword.Report));
        Assert.Contains("invalid credentials", wrongPassword.Error);
        Assert.Equal("failed", unreachable.State);
        Assert.Contains("127.0.0.1:9", unreachable.Error);
        Assert.Equal(2, failures.Count);
        Assert.Single(await org.Owner.UsersAsync());
    }

    [Fact]
    public async Task A_scheduled_sync_runs_when_due_in_the_name_of_the_admin_who_connected_the_directory()
    {
        var org = await app.OrganizationAsync();
        var tree = await ldap.NewTreeAsync();
        await ldap.AddAsync(LocalLdapServer.Person(tree, "kim", $"kim@{org.Domain}", "Kim"));
        var settings = await DirectoryApp.ConnectAsync(org.Owner, ldap, tree, intervalMinutes: 60);
        await app.WithDbAsync(db => db.DirectorySettings.Where(s => s.OrganizationId == org.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.NextRunAt, DateTimeOffset.UtcNow.AddMinutes(-1)), TestContext.Current.CancellationToken));

        await app.RunSyncsAsync();
        var runs = await org.Owner.GetOkAsync<List<DirectorySyncRunDto>>("/api/v1/organization/directory/runs");
        var after = await org.Owner.GetOkAsync<DirectorySettingsDto>("/api/v1/organization/directory");
        var provisioned = Assert.Single(await org.Owner.AuditAsync("UserProvisioned"));

        Assert.Equal(60, settings.IntervalMinutes);
        var run = Assert.Single(runs);
        Assert.Equal((true, "done"), (run.Scheduled, run.State));
        Assert.True(after.NextRunAt > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.Equal(org.Owner.Id, provisioned.ActorId);
        Assert.Contains((await org.Owner.UsersAsync()), u => u.Email == $"kim@{org.Domain}");
    }
}

public sealed class SqliteDirectorySyncTests(SqliteDirectoryApp app, LocalLdapServer ldap)
    : DirectorySyncTests(app, ldap), IClassFixture<SqliteDirectoryApp>, IClassFixture<LocalLdapServer>;

public sealed class PostgresDirectorySyncTests : DirectorySyncTests, IClassFixture<PostgresDirectoryApp>, IClassFixture<LocalLdapServer>
{
    public PostgresDirectorySyncTests(PostgresDirectoryApp app, LocalLdapServer ldap) : base(app, ldap) => Engines.SkipUnlessConfigured(app);
}
