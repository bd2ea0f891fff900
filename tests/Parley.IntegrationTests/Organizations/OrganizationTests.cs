using System.Net;
using Microsoft.EntityFrameworkCore;
using Parley.IntegrationTests.Infrastructure;
using Parley.Server.Features.Organizations;

namespace Parley.IntegrationTests.Organizations;

public abstract class OrganizationTests(ParleyApp app)
{
    [Fact]
    public async Task Only_an_operator_creates_organizations()
    {
        var org = await app.OrganizationAsync();
        var name = $"Shadow {Guid.NewGuid():N}";
        var op = await app.OperatorAsync();

        var byOwner = await org.Owner.PostAsync("/api/v1/operator/organizations", new { name, ownerEmail = $"zed@{org.Domain}" });
        var byOperator = await op.PostAsync("/api/v1/operator/organizations", new { name = $"{name} (real)", ownerEmail = $"yvonne-{Guid.NewGuid():N}@example.test" });

        await byOwner.ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        Assert.False(await app.WithDbAsync(db => db.Organizations.AnyAsync(o => o.Name == name)));
        var created = await byOperator.ReadAsync<CreatedOrganizationDto>(HttpStatusCode.Created);
        Assert.Equal("owner", created.OwnerInvite.Role);
        var owner = await Org.AcceptAsync(app, created.OwnerInvite.Token, created.OwnerInvite.Email, "Yvonne");
        var me = await owner.MeAsync();
        Assert.Equal((created.Organization.Id, $"{name} (real)", "owner", false), (me.OrganizationId, me.OrganizationName, me.Role, me.IsOperator));
    }

    [Fact]
    public async Task A_new_organization_starts_its_audit_chain_with_its_creation_and_the_owner_invite()
    {
        var op = await app.OperatorAsync();
        var org = await app.OrganizationAsync();

        var chain = (await org.Owner.AuditAsync()).OrderBy(e => e.Index).ToList();
        var bootstrap = (await op.AuditAsync()).OrderBy(e => e.Index).First();

        Assert.Equal(["OrganizationCreated", "UserInvited", "UserJoined"], chain.Take(3).Select(e => e.Action));
        Assert.Equal([1L, 2L, 3L], chain.Take(3).Select(e => e.Index));
        Assert.All(chain.Take(2), e => Assert.Equal(op.Id, e.ActorId));
        Assert.Equal("owner", chain[1].Data?.GetProperty("role").GetString());
        Assert.Equal((1L, "OrganizationCreated"), (bootstrap.Index, bootstrap.Action));
        Assert.True(bootstrap.Data?.GetProperty("bootstrap").GetBoolean());
        var stored = await app.WithDbAsync(db => db.AuditEvents.Where(e => e.OrganizationId == org.Id).OrderBy(e => e.Index).ToListAsync());
        Assert.All(stored.Zip(stored.Skip(1)), pair => Assert.Equal(pair.First.Hash, pair.Second.PreviousHash));
        Assert.Equal(stored.Count, await app.WithDbAsync(db => db.Organizations.Where(o => o.Id == org.Id).Select(o => o.AuditCount).SingleAsync()));
    }

    [Fact]
    public async Task An_admin_renames_the_organization_and_it_is_audited()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob", "admin");
        var before = (await bob.GetOkAsync<OrganizationDto>("/api/v1/organization")).Name;

        var renamed = await bob.PatchAsync("/api/v1/organization", new { name = "Acme Renamed" });

        Assert.Equal("Acme Renamed", (await renamed.ReadAsync<OrganizationDto>(HttpStatusCode.OK)).Name);
        Assert.Equal("Acme Renamed", (await org.Owner.GetOkAsync<OrganizationDto>("/api/v1/organization")).Name);
        Assert.Equal("Acme Renamed", (await org.Owner.MeAsync()).OrganizationName);
        var audit = Assert.Single(await org.Owner.AuditAsync("OrganizationSettingsChanged"));
        Assert.Equal(bob.Id, audit.ActorId);
        Assert.Equal(org.Id.ToString(), audit.TargetId);
        Assert.Equal(("name", before, "Acme Renamed"), (audit.Data?.GetProperty("setting").GetString(),
            audit.Data?.GetProperty("before").GetString(), audit.Data?.GetProperty("after").GetString()));
    }

    [Fact]
    public async Task A_member_cannot_rename_the_organization()
    {
        var org = await app.OrganizationAsync();
        var bob = await org.MemberAsync("Bob");
        var before = (await bob.GetOkAsync<OrganizationDto>("/api/v1/organization")).Name;

        var response = await bob.PatchAsync("/api/v1/organization", new { name = "Bob's Company" });

        await response.ShouldBeProblem(HttpStatusCode.Forbidden, "admin-only");
        Assert.Equal(before, (await org.Owner.GetOkAsync<OrganizationDto>("/api/v1/organization")).Name);
        Assert.Empty(await org.Owner.AuditAsync("OrganizationSettingsChanged"));
    }

    [Theory]
    [InlineData("LoginFailed,SessionRevoked")]
    [InlineData("101")]
    [InlineData("NoSuchAction")]
    public async Task The_audit_log_refuses_a_filter_that_is_not_one_action(string action)
    {
        var org = await app.OrganizationAsync();
        using var anonymous = app.Http();
        await (await anonymous.PostLoginAsync(org.Owner.Email, "a wrong password")).ShouldBe(HttpStatusCode.Unauthorized);
        await app.FailedSignInsAuditedAsync();

        var refused = await org.Owner.GetAsync($"/api/v1/admin/audit?action={Uri.EscapeDataString(action)}");
        var lowerCase = await org.Owner.AuditAsync("loginfailed");

        await refused.ShouldBeProblem(HttpStatusCode.BadRequest, "action-invalid");
        Assert.Equal("LoginFailed", Assert.Single(lowerCase).Action);
    }
}

public sealed class SqliteOrganizationTests(SqliteApp app) : OrganizationTests(app);

public sealed class PostgresOrganizationTests : OrganizationTests
{
    public PostgresOrganizationTests(PostgresApp app) : base(app) => Engines.SkipUnlessConfigured(app);
}
