using System.Net;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.DirectorySync;

namespace Parley.IntegrationTests.Identity;

/// <summary>The directory settings API: admins only, the bind password never returned, other organizations kept out.</summary>
public abstract class DirectorySettingsTests(DirectoryApp app, LocalLdapServer ldap)
{
    [Fact]
    public async Task The_bind_password_is_kept_encrypted_and_never_returned_and_changes_are_audited()
    {
        var org = await app.OrganizationAsync();
        var tree = await ldap.NewTreeAsync();

        var before = await org.Owner.GetAsync("/api/v1/organization/directory");
        var withoutPassword = await org.Owner.PutAsync("/api/v1/organization/directory", new
        {
            serverUrl = ldap.Url, bindDn = LocalLdapServer.SyncDn, baseDn = tree, userFilter = "(objectClass=inetOrgPerson)",
        });
        var put = await org.Owner.PutAsync("/api/v1/organization/directory", new
        {
            serverUrl = ldap.Url, bindDn = LocalLdapServer.SyncDn, bindPassword = LocalLdapServer.SyncPassword, baseDn = tree,
            userFilter = "(objectClass=inetOrgPerson)", idAttribute = "entryUUID",
        });
        var putBody = await put.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        // Changed without the password: the stored one is kept (the sync still binds).
        var kept = await org.Owner.PutAsync("/api/v1/organization/directory", new
        {
            serverUrl = ldap.Url, bindDn = LocalLdapServer.SyncDn, baseDn = tree, userFilter = "(objectClass=person)",
        });
        var get = await org.Owner.GetAsync("/api/v1/organization/directory");
        var getBody = await get.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var stored = await app.WithDbAsync(db => db.DirectorySettings.SingleAsync(s => s.OrganizationId == org.Id, TestContext.Current.CancellationToken));
        var run = await app.SyncAsync(org.Owner);
        var audit = await org.Owner.AuditAsync("DirectorySettingsChanged");
        var deleted = await org.Owner.DeleteAsync("/api/v1/organization/directory");
        var afterDelete = await org.Owner.GetAsync("/api/v1/organization/directory");
        var syncAfterDelete = await org.Owner.PostAsync("/api/v1/organization/directory/sync");

        await before.ShouldBeProblem(HttpStatusCode.NotFound, "directory-not-configured");
        await withoutPassword.ShouldBeProblem(HttpStatusCode.BadRequest, "directory-password-required");
        await put.ShouldBe(HttpStatusCode.OK);
        await kept.ShouldBe(HttpStatusCode.OK);
        Assert.DoesNotContain(LocalLdapServer.SyncPassword, putBody);
        Assert.DoesNotContain(LocalLdapServer.SyncPassword, getBody);
        Assert.Contains("\"bindPasswordSet\":true", getBody);
        Assert.Contains("(objectClass=person)", getBody);
        Assert.DoesNotContain(LocalLdapServer.SyncPassword, stored.ProtectedBindPassword);
        Assert.DoesNotContain("sync-secret", stored.ProtectedBindPassword);
        Assert.True(run.State == "done", run.Error);
        Assert.Equal(2, audit.Count);
        Assert.All(audit, a => Assert.DoesNotContain(LocalLdapServer.SyncPassword, a.Data.ToString()));
        Assert.Contains("\"bindPasswordChanged\":false", audit[0].Data.ToString()!.Replace(" ", ""));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await afterDelete.ShouldBeProblem(HttpStatusCode.NotFound, "directory-not-configured");
        await syncAfterDelete.ShouldBeProblem(HttpStatusCode.NotFound, "directory-not-configured");
        Assert.Single(await org.Owner.AuditAsync("DirectorySettingsRemoved"));
    }

    [Fact]
    public async Task Non_admins_are_refused_and_another_organization_cannot_read_or_run_it()
    {
        var org = await app.OrganizationAsync();
        var member = await org.MemberAsync("Mel");
        var other = await app.OrganizationAsync();
        var tree = await ldap.NewTreeAsync();
        await DirectoryApp.ConnectAsync(org.Owner, ldap, tree);
        var run = await (await org.Owner.PostAsync("/api/v1/organization/directory/sync")).ReadAsync<DirectorySyncRunDto>(HttpStatusCode.Accepted);
        var again = await (await org.Owner.PostAsync("/api/v1/organization/directory/sync")).ReadAsync<DirectorySyncRunDto>(HttpStatusCode.Accepted);

        await (await member.GetAsync("/api/v1/organization/directory")).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await member.PutAsync("/api/v1/organization/directory", new
        {
            serverUrl = "ldap://127.0.0.1:9/", bindDn = "cn=x,dc=y", bindPassword = "p", baseDn = "dc=y", userFilter = "(uid=*)",
        })).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await member.PostAsync("/api/v1/organization/directory/sync")).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await member.GetAsync($"/api/v1/organization/directory/runs/{run.Id}")).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await member.DeleteAsync("/api/v1/organization/directory")).ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        await (await other.Owner.GetAsync($"/api/v1/organization/directory/runs/{run.Id}")).ShouldBeHiddenAsync(tree);
        await (await other.Owner.GetAsync("/api/v1/organization/directory")).ShouldBeProblem(HttpStatusCode.NotFound, "directory-not-configured");
        await (await other.Owner.PostAsync("/api/v1/organization/directory/sync")).ShouldBeProblem(HttpStatusCode.NotFound, "directory-not-configured");
        Assert.Empty(await other.Owner.GetOkAsync<List<DirectorySyncRunDto>>("/api/v1/organization/directory/runs"));
        Assert.Equal(run.Id, again.Id);                                          // one run at a time per organization
        Assert.Equal("queued", (await org.Owner.GetOkAsync<DirectorySyncRunDto>($"/api/v1/organization/directory/runs/{run.Id}")).State);
        await app.RunSyncsAsync();
        Assert.Equal("done", (await org.Owner.GetOkAsync<DirectorySyncRunDto>($"/api/v1/organization/directory/runs/{run.Id}")).State);
    }

    [Theory]
    [InlineData("http://127.0.0.1/", "dc=x", "(uid=*)", "directory-url-invalid")]
    [InlineData("ldap://127.0.0.1/path", "dc=x", "(uid=*)", "directory-url-invalid")]
    [InlineData("ldap://127.0.0.1/", "no equals sign", "(uid=*)", "directory-dn-invalid")]
    [InlineData("ldap://127.0.0.1/", "dc=x", "uid=*", "directory-filter-invalid")]
    [InlineData("ldap://127.0.0.1/", "dc=x", "(&(uid=*)", "directory-filter-invalid")]
    public async Task Invalid_settings_are_refused_with_a_problem(string serverUrl, string baseDn, string userFilter, string code)
    {
        var org = await app.OrganizationAsync();

        var response = await org.Owner.PutAsync("/api/v1/organization/directory", new
        {
            serverUrl, bindDn = "cn=sync,dc=x", bindPassword = "secret", baseDn, userFilter,
        });

        await response.ShouldBeProblem(HttpStatusCode.BadRequest, code);
        await (await org.Owner.GetAsync("/api/v1/organization/directory")).ShouldBeProblem(HttpStatusCode.NotFound, "directory-not-configured");
    }
}

public sealed class SqliteDirectorySettingsTests(SqliteDirectoryApp app, LocalLdapServer ldap)
    : DirectorySettingsTests(app, ldap), IClassFixture<SqliteDirectoryApp>, IClassFixture<LocalLdapServer>;

public sealed class PostgresDirectorySettingsTests : DirectorySettingsTests, IClassFixture<PostgresDirectoryApp>, IClassFixture<LocalLdapServer>
{
    public PostgresDirectorySettingsTests(PostgresDirectoryApp app, LocalLdapServer ldap) : base(app, ldap) => Engines.SkipUnlessConfigured(app);
}
