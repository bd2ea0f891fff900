using System.Text.RegularExpressions;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Governance;

namespace Parley.Tests;

/// <summary>Roles become capabilities in one place (Features/Governance); nothing else asks what role the caller has.</summary>
public sealed partial class PermissionLayerTests
{
    [Fact]
    public void No_code_outside_the_permission_layer_compares_roles()
    {
        var server = Path.Combine(WebClientBuildTests.RepositoryRoot(), "src", "Parley.Server");
        var governance = Path.Combine(server, "Features", "Governance") + Path.DirectorySeparatorChar;
        var conversationAccess = Path.Combine(server, "Features", "Conversations", "ConversationAccess.cs");
        var offences = Directory.EnumerateFiles(server, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(governance, StringComparison.Ordinal) && f != conversationAccess
                && !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(server, f), Line: i + 1, Text: line)))
            .Where(l => RoleCheck().IsMatch(l.Text))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        Assert.True(offences.Count == 0,
            "Ask for a capability (me.Can(Capability.X), or an access function in Features/Governance) instead of comparing roles:\n"
            + string.Join("\n", offences));
    }

    [Fact]
    public void The_rule_that_finds_role_checks_finds_them()
    {
        Assert.Matches(RoleCheck(), "if (!me.IsAdmin)");
        Assert.Matches(RoleCheck(), "if (me.Role != OrgRole.Owner)");
        Assert.Matches(RoleCheck(), "if (user.Role >= OrgRole.Admin)");
        Assert.Matches(RoleCheck(), "if (me.IsComplianceOfficer || me.IsGuest)");
        Assert.DoesNotMatch(RoleCheck(), "if (!me.Can(Capability.ManagePeople))");
    }

    [Theory]
    [InlineData(OrgRole.Admin, OrgRole.Manager, true)]
    [InlineData(OrgRole.Admin, OrgRole.Owner, false)]
    [InlineData(OrgRole.Admin, OrgRole.Compliance, false)]
    [InlineData(OrgRole.Owner, OrgRole.Compliance, true)]
    [InlineData(OrgRole.Manager, OrgRole.Member, false)]
    [InlineData(OrgRole.Compliance, OrgRole.Guest, false)]
    public void A_role_is_given_only_by_someone_who_holds_all_it_grants(OrgRole assigner, OrgRole role, bool allowed) =>
        Assert.Equal(allowed, BuiltInRoles.MayAssign(assigner, role));

    [Fact]
    public void Every_role_has_capabilities_and_only_owners_hold_all_of_them()
    {
        Assert.All(Enum.GetValues<OrgRole>(), role => Assert.NotEmpty(BuiltInRoles.Of(role)));
        Assert.Equal(Enum.GetValues<Capability>().Length, BuiltInRoles.Of(OrgRole.Owner).Count);
        Assert.DoesNotContain(Capability.TakePartInConversations, BuiltInRoles.Of(OrgRole.Compliance));
        Assert.DoesNotContain(Capability.SeeEveryone, BuiltInRoles.Of(OrgRole.Guest));
        Assert.Contains(Capability.SeeOwnUnitPeople, BuiltInRoles.Of(OrgRole.Manager));
        Assert.DoesNotContain(Capability.SeeOwnUnitPeople, BuiltInRoles.Of(OrgRole.Member));
    }

    // The caller's role, role properties, or any ordering of roles.
    [GeneratedRegex(@"\b(IsAdmin|IsComplianceOfficer|IsGuest|CanReadRecord|CanManageCompliance)\b|\b[mM]e\.Role\s*(==|!=|<|>)|\bRole\s*(>=|<=|<|>)\s*(OrgRole|MemberRole)\.|(OrgRole|MemberRole)\.\w+\s*(>=|<=|<|>)")]
    private static partial Regex RoleCheck();
}
