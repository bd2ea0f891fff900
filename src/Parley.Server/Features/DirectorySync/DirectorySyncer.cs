using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Records;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.DirectorySync;

public sealed record SyncPersonDto(Guid UserId, string Email, string DisplayName);
public sealed record SyncChangeDto(Guid UserId, string Email, IReadOnlyList<string> Fields);
public sealed record SyncSkipDto(string Entry, string? Email, string Reason, string Detail);
public sealed record SyncMembershipDto(long ConversationId, string Channel, Guid UserId, string Email);
public sealed record SyncCountsDto(int EntriesRead, int GroupsRead, int Created, int Linked, int Updated, int Unchanged, int Deactivated,
    int Reactivated, int Skipped, int MembershipsAdded, int MembershipsRemoved);

/// <summary>
/// What a sync changed. The lists stop at <see cref="DirectorySyncer.MaxListed"/> items each (<c>truncated</c> says so);
/// the counts are always whole.
/// </summary>
public sealed record DirectorySyncReportDto(SyncCountsDto Counts, bool Truncated, List<SyncPersonDto> Created, List<SyncPersonDto> Linked,
    List<SyncChangeDto> Updated, List<SyncPersonDto> Deactivated, List<SyncPersonDto> Reactivated, List<SyncSkipDto> Skipped,
    List<SyncMembershipDto> MembershipsAdded, List<SyncMembershipDto> MembershipsRemoved);

/// <summary>
/// Applies what was read from the directory to the organization, in ONE write transaction: a run is applied whole or not
/// at all. The directory is read completely before the transaction opens (no LDAP call holds a database lock), and the
/// whole plan is worked out in memory first; only then are rows written, in the lock order of docs/architecture.md: the
/// mapped channels' rows, new rows (people, links, memberships, record entries), the audit head, then people and sessions.
/// A bad entry is skipped with its reason and never stops the run; anything unexpected rolls the whole run back.
/// </summary>
public sealed class DirectorySyncer(ParleyDb db, Guid organizationId, Guid actorId, Guid runId, DateTimeOffset now)
{
    public const int MaxListed = 1000;

    private readonly Listing<SyncPersonDto> _created = new(), _linked = new(), _deactivated = new(), _reactivated = new();
    private readonly Listing<SyncChangeDto> _updated = new();
    private readonly Listing<SyncSkipDto> _skipped = new();
    private readonly Listing<SyncMembershipDto> _added = new(), _removed = new();
    private readonly List<(AuditAction, string, string?, object?)> _audit = [];
    private int _unchanged;

    /// <summary>Users the sync deactivates, to revoke live connections of once committed.</summary>
    public List<Guid> DeactivatedUsers { get; } = [];

    /// <summary>Membership changes to announce once committed.</summary>
    public List<MembershipChangedDto> MembershipChanges { get; } = [];

    public async Task<DirectorySyncReportDto> ApplyAsync(IReadOnlyList<PersonEntry> people, IReadOnlyList<GroupEntry> groups, CancellationToken ct)
    {
        // Tens of thousands of tracked rows at a first import: changes are detected once per save, not on every call.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var users = await db.Users.Where(u => u.OrganizationId == organizationId).ToDictionaryAsync(u => u.Id, ct);
        var links = await db.Set<DirectoryLink>().Where(l => l.OrganizationId == organizationId).ToDictionaryAsync(l => l.DirectoryId, ct);
        var linkOfUser = links.Values.ToDictionary(l => l.UserId);
        var byEmail = users.Values.GroupBy(u => u.NormalizedEmail).ToDictionary(g => g.Key, g => g.First());
        var handles = users.Values.Select(u => u.Handle).ToHashSet(StringComparer.Ordinal);

        if (people.Count == 0 && links.Values.Any(l => users.TryGetValue(l.UserId, out var u) && u.IsActive))
            throw new DirectoryUnavailableException(
                "The directory returned nobody under the base DN and filter; nobody was deactivated. Check the base DN, the filter and the bind account's rights.");

        // Every id the directory still has, valid entry or not: someone whose entry turned bad has not left.
        var present = people.Where(p => p.Id is not null).Select(p => p.Id!).ToHashSet(StringComparer.Ordinal);
        var valid = Validate(people);
        var userOfDn = new Dictionary<string, User>(StringComparer.Ordinal);
        var touched = new HashSet<Guid>();

        foreach (var (entry, email, name, title) in valid)
        {
            var user = links.TryGetValue(entry.Id!, out var link) ? users[link.UserId] : null;
            if (user is null && byEmail.TryGetValue(User.Normalize(email), out var sameEmail))
            {
                var deactivatedBySync = false;
                if (linkOfUser.TryGetValue(sameEmail.Id, out var former))
                {
                    if (present.Contains(former.DirectoryId))
                    {
                        Skip(entry, email, "email-taken", "Another directory entry is linked to the account with this email.");
                        continue;
                    }
                    // The account's entry is gone and a new entry has its email: the same person, back (a new entry has a new id).
                    db.Remove(former);
                    links.Remove(former.DirectoryId);
                    deactivatedBySync = former.DeactivatedBySync;
                }
                user = sameEmail;                        // an account made before the directory was connected: it is adopted
                link = new DirectoryLink(organizationId, entry.Id!, user.Id, now) { DeactivatedBySync = deactivatedBySync };
                db.Add(link);
                links[entry.Id!] = link;
                linkOfUser[user.Id] = link;
                _linked.Add(new SyncPersonDto(user.Id, user.Email, user.DisplayName));
                _audit.Add((AuditAction.UserUpdated, "user", user.Id.ToString(), new { run = runId, linked = entry.Id }));
            }
            if (user is null)
            {
                user = new User(organizationId, email, name, FreeHandle(handles, User.HandleFrom(email)), OrgRole.Member, "", now);
                user.ChangeTitle(title);
                db.Users.Add(user);
                users[user.Id] = user;
                byEmail[user.NormalizedEmail] = user;
                link = new DirectoryLink(organizationId, entry.Id!, user.Id, now);
                db.Add(link);
                links[entry.Id!] = link;
                linkOfUser[user.Id] = link;
                _created.Add(new SyncPersonDto(user.Id, user.Email, user.DisplayName));
                _audit.Add((AuditAction.UserProvisioned, "user", user.Id.ToString(), new { run = runId, source = "directory", directoryId = entry.Id }));
                userOfDn[NormalizeDn(entry.Dn)] = user;
                touched.Add(user.Id);
                continue;
            }

            var wasReactivated = !user.IsActive;
            if (!user.IsActive)
            {
                if (!link!.DeactivatedBySync)
                {
                    Skip(entry, email, "deactivated-by-admin", "An admin deactivated this account: the directory does not bring it back.");
                    continue;
                }
                user.Reactivate();
                link.DeactivatedBySync = false;
                _reactivated.Add(new SyncPersonDto(user.Id, user.Email, user.DisplayName));
                _audit.Add((AuditAction.UserReactivated, "user", user.Id.ToString(), new { run = runId, source = "directory" }));
            }
            var changes = new Dictionary<string, object?>();
            if (User.Normalize(email) != user.NormalizedEmail)
            {
                if (byEmail.TryGetValue(User.Normalize(email), out var other) && other.Id != user.Id)
                {
                    Skip(entry, email, "email-taken", "Another account of the organization has this email.");
                    userOfDn[NormalizeDn(entry.Dn)] = user;
                    continue;
                }
                changes["email"] = new { before = user.Email, after = email };
                byEmail.Remove(user.NormalizedEmail);
                user.ChangeEmail(email);
                byEmail[user.NormalizedEmail] = user;
            }
            else if (email != user.Email)
            {
                changes["email"] = new { before = user.Email, after = email };
                user.ChangeEmail(email);
            }
            if (name != user.DisplayName)
            {
                changes["displayName"] = new { before = user.DisplayName, after = name };
                user.Rename(name);
            }
            if (title != user.Title)
            {
                changes["title"] = new { before = user.Title, after = title };
                user.ChangeTitle(title);
            }
            if (changes.Count > 0)
            {
                _updated.Add(new SyncChangeDto(user.Id, user.Email, [.. changes.Keys]));
                _audit.Add((AuditAction.UserUpdated, "user", user.Id.ToString(), new { run = runId, changes }));
            }
            else if (!wasReactivated)
                _unchanged++;
            userOfDn[NormalizeDn(entry.Dn)] = user;
            touched.Add(user.Id);
        }

        var leavers = links.Values.Where(l => !present.Contains(l.DirectoryId) && users.TryGetValue(l.UserId, out var u) && u.IsActive)
            .Select(l => (Link: l, User: users[l.UserId])).ToList();
        var activeOwners = users.Values.Count(u => u.IsActive && u.Role == OrgRole.Owner);
        foreach (var (link, user) in leavers.ToList())
        {
            if (user.Role == OrgRole.Owner && activeOwners == 1)
            {
                _skipped.Add(new SyncSkipDto(link.DirectoryId, user.Email, "last-owner",
                    "This person left the directory but is the organization's last active owner: make someone else owner first."));
                leavers.Remove((link, user));
                continue;
            }
            if (user.Role == OrgRole.Owner)
                activeOwners--;
        }

        var conversations = await PlanGroupsAsync(groups, userOfDn, leavers.Select(l => l.User.Id).ToHashSet(), users, ct);

        // Writing: the channels' rows are locked (PlanGroupsAsync), new rows go in (people, links, memberships, record entries), ...
        foreach (var (conversation, add, remove) in conversations)
        {
            foreach (var user in add)
            {
                db.ConversationMembers.Add(new ConversationMember(conversation, user.Id, MemberRole.Member, now));
                db.Add(new DirectoryGrant(organizationId, conversation.Id, user.Id));
            }
            foreach (var (member, grant) in remove)
            {
                db.ConversationMembers.Remove(member);
                db.Remove(grant);
            }
        }
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);                   // new people, links, memberships
        foreach (var (conversation, add, remove) in conversations)
            await db.AppendAllAsync(conversation, [
                .. add.Select(u => (RecordKind.MemberAdded, actorId, (JsonObject?)RecordFacts.Member(u.Id, MemberRole.Member), (string?)null)),
                .. remove.Select(r => (RecordKind.MemberRemoved, actorId, (JsonObject?)RecordFacts.Member(r.Member.UserId, r.Member.Role), (string?)null)),
            ], now, ct);
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);

        // ... then the organization's audit head, then people and sessions.
        await db.AuditManyAsync(organizationId, actorId, null, now, _audit, ct);
        foreach (var (link, user) in leavers)
        {
            // The last active owner was kept above, so this always deactivates.
            await db.DeactivateAsync(user, open => db.AuditAsync(organizationId, AuditAction.UserDeactivated, actorId, "user", user.Id.ToString(),
                new { sessionsEnded = open, run = runId, source = "directory" }, null, now, ct), now, ct);
            link.DeactivatedBySync = true;
            DeactivatedUsers.Add(user.Id);
            _deactivated.Add(new SyncPersonDto(user.Id, user.Email, user.DisplayName));
        }
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled = true;

        var truncated = new[] { _created.Count, _linked.Count, _updated.Count, _deactivated.Count, _reactivated.Count, _skipped.Count, _added.Count, _removed.Count }
            .Any(c => c > MaxListed);
        var counts = new SyncCountsDto(people.Count, groups.Count, _created.Count, _linked.Count, _updated.Count, _unchanged, _deactivated.Count,
            _reactivated.Count, _skipped.Count, _added.Count, _removed.Count);
        return new DirectorySyncReportDto(counts, truncated, _created.Items, _linked.Items, _updated.Items, _deactivated.Items, _reactivated.Items,
            _skipped.Items, _added.Items, _removed.Items);
    }

    /// <summary>A count, and the first <see cref="MaxListed"/> items.</summary>
    private sealed class Listing<T>
    {
        public int Count { get; private set; }
        public List<T> Items { get; } = [];

        public void Add(T item)
        {
            if (++Count <= MaxListed)
                Items.Add(item);
        }
    }

    /// <summary>The entries that can be applied, with their email, name and title cleaned; the others are skipped with a reason.</summary>
    private List<(PersonEntry Entry, string Email, string Name, string? Title)> Validate(IReadOnlyList<PersonEntry> people)
    {
        var cleaned = new List<(PersonEntry Entry, string Email, string Name, string? Title)>();
        foreach (var entry in people)
        {
            if (entry.Id is null || entry.Id.Length > DirectoryLink.MaxIdLength)
            {
                Skip(entry, entry.Email, "id-missing", "The entry has no value for the id attribute.");
                continue;
            }
            if (entry.Email is null)
            {
                Skip(entry, null, "email-missing", "The entry has no email.");
                continue;
            }
            string email, name;
            string? title;
            try
            {
                email = User.ValidEmail(entry.Email);
            }
            catch (DomainException)
            {
                Skip(entry, entry.Email, "email-invalid", "The entry's email is not an address like name@example.com.");
                continue;
            }
            try
            {
                name = User.ValidDisplayName(entry.Name ?? email.Split('@')[0]);
            }
            catch (DomainException e)
            {
                Skip(entry, email, "name-invalid", e.Message);
                continue;
            }
            try
            {
                title = User.ValidTitle(entry.Title);
            }
            catch (DomainException e)
            {
                Skip(entry, email, "title-invalid", e.Message);
                continue;
            }
            cleaned.Add((entry, email, name, title));
        }
        foreach (var twins in cleaned.GroupBy(c => c.Entry.Id!, StringComparer.Ordinal).Where(g => g.Count() > 1).ToList())
            foreach (var twin in twins)
            {
                Skip(twin.Entry, twin.Email, "id-duplicate", "Several entries have this id.");
                cleaned.Remove(twin);
            }
        foreach (var twins in cleaned.GroupBy(c => User.Normalize(c.Email)).Where(g => g.Count() > 1).ToList())
            foreach (var twin in twins)
            {
                Skip(twin.Entry, twin.Email, "email-duplicate", $"{twins.Count()} entries of the directory have this email: none of them is applied.");
                cleaned.Remove(twin);
            }
        return cleaned;
    }

    /// <summary>For each group whose name is a channel's: whom the group adds to it, and whose directory-given membership it takes back.</summary>
    private async Task<List<(Conversation Conversation, List<User> Add, List<(ConversationMember Member, DirectoryGrant Grant)> Remove)>> PlanGroupsAsync(
        IReadOnlyList<GroupEntry> groups, Dictionary<string, User> userOfDn, HashSet<Guid> leaving, Dictionary<Guid, User> users, CancellationToken ct)
    {
        var plan = new List<(Conversation, List<User>, List<(ConversationMember, DirectoryGrant)>)>();
        var channels = await db.Conversations.Where(c => c.OrganizationId == organizationId &&
                (c.Kind == ConversationKind.PublicChannel || c.Kind == ConversationKind.PrivateChannel))
            .ToListAsync(ct);
        var mapped = new List<(GroupEntry Group, Conversation Channel)>();
        foreach (var group in groups)
        {
            var channel = group.Name is null ? null : channels.FirstOrDefault(c => c.NormalizedName == group.Name.Trim().ToUpperInvariant());
            if (channel is null)
                _skipped.Add(new SyncSkipDto(group.Dn, null, "channel-missing", $"No channel is named \"{group.Name}\": create it to map this group."));
            else if (channel.ArchivedAt is not null)
                _skipped.Add(new SyncSkipDto(group.Dn, null, "channel-archived", $"The channel \"{channel.Name}\" is archived."));
            else if (mapped.Any(m => m.Channel.Id == channel.Id))
                _skipped.Add(new SyncSkipDto(group.Dn, null, "channel-duplicate", $"Another group already maps to the channel \"{channel.Name}\"."));
            else
                mapped.Add((group, channel));
        }
        // The lock order's first tier: each channel's row, in the order of its ids (two writers never wait in a circle),
        // before its members are read, so that nobody joins or leaves between this plan and its writing.
        foreach (var (group, channel) in mapped.OrderBy(m => m.Channel.Id).ToList())
        {
            await db.LockAsync(channel.Id, ct);
            var wanted = group.MemberDns.Select(NormalizeDn).Select(dn => userOfDn.GetValueOrDefault(dn))
                .OfType<User>().Where(u => u.IsActive && !leaving.Contains(u.Id)).DistinctBy(u => u.Id).ToList();
            var members = await db.ConversationMembers.Where(m => m.ConversationId == channel.Id).ToDictionaryAsync(m => m.UserId, ct);
            var grants = await db.Set<DirectoryGrant>().Where(g => g.ConversationId == channel.Id).ToListAsync(ct);
            var add = wanted.Where(u => !members.ContainsKey(u.Id)).ToList();
            var wantedIds = wanted.Select(u => u.Id).ToHashSet();
            // Taken back only from people still active: someone deactivated keeps their memberships, as with any deactivation.
            var remove = grants.Where(g => !wantedIds.Contains(g.UserId) && users.TryGetValue(g.UserId, out var u) && u.IsActive && !leaving.Contains(u.Id)
                    && members.ContainsKey(g.UserId))
                .Select(g => (members[g.UserId], g)).ToList();
            foreach (var user in add)
            {
                _added.Add(new SyncMembershipDto(channel.Id, channel.Name!, user.Id, user.Email));
                _audit.Add((AuditAction.MemberAdded, "conversation", channel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    new { user = user.Id, role = "member", run = runId, source = "directory" }));
                MembershipChanges.Add(new MembershipChangedDto(channel.Id, user.Id, "added", "member", actorId));
            }
            foreach (var (member, _) in remove)
            {
                _removed.Add(new SyncMembershipDto(channel.Id, channel.Name!, member.UserId, users[member.UserId].Email));
                _audit.Add((AuditAction.MemberRemoved, "conversation", channel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    new { user = member.UserId, run = runId, source = "directory" }));
                MembershipChanges.Add(new MembershipChangedDto(channel.Id, member.UserId, "removed", null, actorId));
            }
            if (add.Count > 0 || remove.Count > 0)
                plan.Add((channel, add, remove));
        }
        return plan;
    }

    private void Skip(PersonEntry entry, string? email, string reason, string detail) => _skipped.Add(new SyncSkipDto(entry.Dn, email, reason, detail));

    /// <summary>A DN compared as directories compare them for our purpose: case and spaces around separators do not count.</summary>
    public static string NormalizeDn(string dn) =>
        string.Join(',', dn.Split(',').Select(rdn => string.Join('=', rdn.Split('=').Select(p => p.Trim())))).ToLowerInvariant();

    private static string FreeHandle(HashSet<string> taken, string proposed)
    {
        var handle = proposed;
        for (var n = 2; taken.Contains(handle); n++)
            handle = $"{proposed}{n}";
        taken.Add(handle);
        return handle;
    }
}
