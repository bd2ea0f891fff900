using Parley.Server.Features.Accounts;
using Parley.Server.Platform;

namespace Parley.Server.Features.Governance;

/// <summary>
/// What a person may do in their organization. Roles are named sets of these (<see cref="BuiltInRoles"/>); handlers ask for
/// a capability, never for a role. Stored nowhere: safe to reorder, but keep the names (docs/governance.md lists them).
/// </summary>
public enum Capability
{
    /// <summary>Read and post in the conversations one is a member of, through the client (everyone but compliance officers).</summary>
    TakePartInConversations,

    /// <summary>See everyone in the organization, not only the people one shares a conversation with.</summary>
    SeeEveryone,

    /// <summary>Read and join public channels without being invited.</summary>
    BrowsePublicChannels,

    CreateChannels,
    CreateGroupConversations,

    Invite,

    /// <summary>Manage any channel's members, settings and owners, and delete others' messages, as its moderators do.</summary>
    ManageAnyConversation,

    /// <summary>Read any message's history of versions, not only one's own.</summary>
    ReadMessageHistory,

    /// <summary>Change people's roles (never to more than one holds), deactivate them, reset their second factor.</summary>
    ManagePeople,

    /// <summary>Make, unmake or act on owners and compliance officers.</summary>
    ManagePrivilegedPeople,

    /// <summary>Organization settings and policies, default channels, the two-factor requirement.</summary>
    ManageOrganization,

    /// <summary>Single sign-on, SCIM provisioning tokens, directory sync.</summary>
    ManageIntegrations,

    ManageUnits,

    /// <summary>See the people of one's own unit and of the units below it (their placement and manager).</summary>
    SeeOwnUnitPeople,

    ViewAuditLog,

    /// <summary>Verify and export the record; read the log's checkpoints, keys and proofs.</summary>
    ReadRecord,

    /// <summary>Rotate the organization's checkpoint signing key.</summary>
    ManageSigningKeys,

    /// <summary>Retention, legal holds, eDiscovery, GDPR requests, compliance settings.</summary>
    Compliance,
}

/// <summary>The built-in roles and what each grants. The only place a role turns into capabilities.</summary>
public static class BuiltInRoles
{
    private static readonly Capability[] MemberSet =
    [
        Capability.TakePartInConversations, Capability.SeeEveryone, Capability.BrowsePublicChannels, Capability.CreateChannels,
        Capability.CreateGroupConversations,
    ];

    private static readonly Capability[] AdminSet =
    [
        .. MemberSet, Capability.SeeOwnUnitPeople, Capability.Invite, Capability.ManageAnyConversation, Capability.ReadMessageHistory,
        Capability.ManagePeople, Capability.ManageOrganization, Capability.ManageIntegrations, Capability.ManageUnits,
        Capability.ViewAuditLog, Capability.ReadRecord, Capability.Compliance,
    ];

    private static readonly IReadOnlyDictionary<OrgRole, HashSet<Capability>> Sets = new Dictionary<OrgRole, HashSet<Capability>>
    {
        [OrgRole.Guest] = [Capability.TakePartInConversations, Capability.CreateGroupConversations],
        [OrgRole.Compliance] = [Capability.SeeEveryone, Capability.ViewAuditLog, Capability.ReadRecord, Capability.Compliance],
        [OrgRole.Member] = [.. MemberSet],
        [OrgRole.Manager] = [.. MemberSet, Capability.SeeOwnUnitPeople],
        [OrgRole.Admin] = [.. AdminSet],
        [OrgRole.Owner] = [.. AdminSet, Capability.ManagePrivilegedPeople, Capability.ManageSigningKeys],
    };

    public static IReadOnlySet<Capability> Of(OrgRole role) => Sets.TryGetValue(role, out var set) ? set : [];

    public static bool Grants(OrgRole role, Capability capability) => Of(role).Contains(capability);

    /// <summary>The roles that grant <paramref name="capability"/>, for queries that filter people by what they may do.</summary>
    public static List<OrgRole> RolesWith(Capability capability) => [.. Sets.Where(s => s.Value.Contains(capability)).Select(s => s.Key)];

    /// <summary>
    /// Roles whose holders only someone with <see cref="Capability.ManagePrivilegedPeople"/> may assign or act on: those that
    /// grant a capability an admin lacks, or that reach the record without taking part (compliance officers).
    /// </summary>
    public static bool IsPrivileged(OrgRole role) => role == OrgRole.Compliance || Of(role).Except(Of(OrgRole.Admin)).Any();

    /// <summary>Whether <paramref name="assigner"/> may give <paramref name="role"/> to someone: never more than they hold.</summary>
    public static bool MayAssign(OrgRole assigner, OrgRole role) =>
        Grants(assigner, Capability.ManagePeople) && Of(role).IsSubsetOf(Of(assigner))
        && (!IsPrivileged(role) || Grants(assigner, Capability.ManagePrivilegedPeople));
}

public static class CapabilityChecks
{
    /// <summary>Whether the caller's role grants <paramref name="capability"/>.</summary>
    public static bool Can(this CurrentUser me, Capability capability) => BuiltInRoles.Grants(me.Role, capability);

    public static bool Can(this User user, Capability capability) => BuiltInRoles.Grants(user.Role, capability);
}
