using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;

namespace Parley.Server.Features.Scim;

/// <summary>
/// /scim/v2/Groups: the directory's groups and their members, kept as <see cref="ScimGroup"/> rows. Members are accounts of
/// the same organization; an id of another organization's account is refused exactly like an id that does not exist.
/// </summary>
public static class ScimGroups
{
    public const int MaxMembersPerRequest = 10_000;

    public static async Task<IResult> ListAsync(HttpContext http, ParleyDb db, CancellationToken ct)
    {
        var caller = ScimCaller.Of(http);
        var page = ScimPage.From(http.Request);
        var query = db.ScimGroups.Where(g => g.OrganizationId == caller.OrganizationId);
        foreach (var comparison in ScimFilter.Parse(http.Request.Query["filter"]))
            query = query.Where(Predicate(db, comparison));
        var total = await query.CountAsync(ct);
        var groups = page.Count == 0 ? [] : await query.OrderBy(g => g.CreatedAt).ThenBy(g => g.Id)
            .Skip(page.StartIndex - 1).Take(page.Count).AsNoTracking().ToListAsync(ct);
        var members = await MembersAsync(db, groups.Select(g => g.Id).ToList(), ct);
        var shown = !ExcludesMembers(http.Request);
        var baseUrl = ScimJson.BaseUrl(http.Request);
        return ScimResult.Ok(ScimPage.List(groups.Select(g => Show(g, members.GetValueOrDefault(g.Id, []), baseUrl, shown)), total, page));
    }

    public static async Task<IResult> GetAsync(string id, HttpContext http, ParleyDb db, CancellationToken ct)
    {
        var group = await FindAsync(db, ScimCaller.Of(http), id, ct);
        var members = (await MembersAsync(db, [group.Id], ct)).GetValueOrDefault(group.Id, []);
        return ScimResult.Ok(Show(group, members, ScimJson.BaseUrl(http.Request), !ExcludesMembers(http.Request)));
    }

    public static async Task<IResult> CreateAsync(HttpContext http, ParleyDb db, TimeProvider clock, CancellationToken ct)
    {
        var caller = ScimCaller.Of(http);
        var body = await ScimJson.ReadObjectAsync(http.Request, ct);
        var state = GroupState.FromResource(body);
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        await db.LockOrganizationAsync(caller.OrganizationId, ct);
        var group = new ScimGroup(caller.OrganizationId, ValidDisplayName(state.DisplayName), state.ExternalId, now);
        await CheckUniqueAsync(db, group.OrganizationId, group.Id, group.NormalizedDisplayName, ct);
        db.ScimGroups.Add(group);
        var members = await ValidMembersAsync(db, caller, state.Members, ct);
        db.ScimGroupMembers.AddRange(members.Select(m => new ScimGroupMember(group.Id, m)));
        await db.AuditAsync(caller.OrganizationId, AuditAction.GroupCreated, caller.TokenId, "group", group.Id.ToString(),
            caller.Audited(new { displayName = group.DisplayName, membersAdded = members }), http.ClientAddress(), now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new ScimResult(201, Show(group, members, ScimJson.BaseUrl(http.Request))) { Location = $"{ScimJson.BaseUrl(http.Request)}/Groups/{group.Id}" };
    }

    public static Task<IResult> ReplaceAsync(string id, HttpContext http, ParleyDb db, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, http, db, clock, (body, state) =>
        {
            var replaced = GroupState.FromResource(body);
            state.DisplayName = replaced.DisplayName;
            state.ExternalId = replaced.ExternalId;
            state.Members.Clear();
            state.Members.UnionWith(replaced.Members);
        }, ct);

    public static Task<IResult> PatchAsync(string id, HttpContext http, ParleyDb db, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, http, db, clock, (body, state) => ScimPatch.Apply(body, state.Set), ct);

    /// <summary>Deletes the group and its memberships; the accounts stay as they are.</summary>
    public static async Task<IResult> DeleteAsync(string id, HttpContext http, ParleyDb db, TimeProvider clock, CancellationToken ct)
    {
        var caller = ScimCaller.Of(http);
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        await db.LockOrganizationAsync(caller.OrganizationId, ct);
        var group = await FindAsync(db, caller, id, ct);
        var members = (await MembersAsync(db, [group.Id], ct)).GetValueOrDefault(group.Id, []);
        ScimJson.CheckIfMatch(http.Request, Show(group, members, ScimJson.BaseUrl(http.Request)));
        await db.AuditAsync(caller.OrganizationId, AuditAction.GroupDeleted, caller.TokenId, "group", group.Id.ToString(),
            caller.Audited(new { displayName = group.DisplayName, membersRemoved = members }), http.ClientAddress(), now, ct);
        await db.ScimGroupMembers.Where(m => m.GroupId == group.Id).ExecuteDeleteAsync(ct);
        db.ScimGroups.Remove(group);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ScimResult.NoContent();
    }

    private static async Task<IResult> ChangeAsync(string id, HttpContext http, ParleyDb db, TimeProvider clock,
        Action<JsonObject, GroupState> change, CancellationToken ct)
    {
        var caller = ScimCaller.Of(http);
        var body = await ScimJson.ReadObjectAsync(http.Request, ct);
        var now = clock.GetUtcNow();
        var baseUrl = ScimJson.BaseUrl(http.Request);
        await using var tx = await db.BeginWriteAsync(ct);
        await db.LockOrganizationAsync(caller.OrganizationId, ct);
        var group = await FindAsync(db, caller, id, ct);
        var before = (await MembersAsync(db, [group.Id], ct)).GetValueOrDefault(group.Id, []);
        ScimJson.CheckIfMatch(http.Request, Show(group, before, baseUrl));
        var state = new GroupState(group.DisplayName, group.ExternalId, [.. before]);
        change(body, state);

        var added = await ValidMembersAsync(db, caller, state.Members.Except(before), ct);
        var removed = before.Except(state.Members).ToList();
        var displayName = ValidDisplayName(state.DisplayName);
        var renamed = displayName != group.DisplayName;
        var externalIdChanged = state.ExternalId != group.ExternalId;
        if (!renamed && !externalIdChanged && added.Count == 0 && removed.Count == 0)
            return ScimResult.Ok(Show(group, before, baseUrl));
        if (renamed)
            await CheckUniqueAsync(db, group.OrganizationId, group.Id, User.Normalize(displayName), ct);
        group.Set(displayName, state.ExternalId, now);
        db.ScimGroupMembers.AddRange(added.Select(m => new ScimGroupMember(group.Id, m)));
        if (removed.Count > 0)
            await db.ScimGroupMembers.Where(m => m.GroupId == group.Id && removed.Contains(m.UserId)).ExecuteDeleteAsync(ct);
        await db.AuditAsync(caller.OrganizationId, AuditAction.GroupChanged, caller.TokenId, "group", group.Id.ToString(),
            caller.Audited(new { renamed, externalIdChanged, membersAdded = added, membersRemoved = removed }),
            http.ClientAddress(), now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ScimResult.Ok(Show(group, [.. before.Except(removed).Concat(added)], baseUrl));
    }

    private static async Task CheckUniqueAsync(ParleyDb db, Guid organizationId, Guid groupId, string normalizedDisplayName, CancellationToken ct)
    {
        if (await db.ScimGroups.AnyAsync(g => g.OrganizationId == organizationId && g.Id != groupId && g.NormalizedDisplayName == normalizedDisplayName, ct))
            throw ScimException.Uniqueness("Another group of this organization has this displayName.");
    }

    private static string ValidDisplayName(string? name) =>
        name?.Trim() is { Length: > 0 and <= ScimGroup.MaxDisplayNameLength } n && !n.Any(char.IsControl) && UserText.Refused(n) is null
            ? n
            : throw ScimException.InvalidValue($"displayName is 1 to {ScimGroup.MaxDisplayNameLength} characters without control characters.");

    /// <summary>The ids, all accounts SCIM shows in the caller's organization; one that is not answers like a missing one.</summary>
    private static async Task<List<Guid>> ValidMembersAsync(ParleyDb db, ScimCaller caller, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var wanted = ids.Distinct().ToList();
        if (wanted.Count == 0)
            return [];
        var found = await ScimUsers.Rows(db, caller.OrganizationId).Where(r => wanted.Contains(r.User.Id)).Select(r => r.User.Id).ToListAsync(ct);
        if (wanted.Except(found).FirstOrDefault() is var missing && missing != Guid.Empty)
            throw ScimException.InvalidValue($"The member {missing} is not a User of this organization.");
        return found;
    }

    private static async Task<Dictionary<Guid, List<Guid>>> MembersAsync(ParleyDb db, List<Guid> groupIds, CancellationToken ct) =>
        (await db.ScimGroupMembers.Where(m => groupIds.Contains(m.GroupId)).Select(m => new { m.GroupId, m.UserId }).ToListAsync(ct))
            .GroupBy(m => m.GroupId).ToDictionary(g => g.Key, g => g.Select(m => m.UserId).Order().ToList());

    private static async Task<ScimGroup> FindAsync(ParleyDb db, ScimCaller caller, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var groupId))
            throw ScimException.NotFound("Group");
        return await db.ScimGroups.SingleOrDefaultAsync(g => g.Id == groupId && g.OrganizationId == caller.OrganizationId, ct)
            ?? throw ScimException.NotFound("Group");
    }

    /// <summary>Entra ID reads groups with <c>excludedAttributes=members</c>; other attribute selections return everything.</summary>
    private static bool ExcludesMembers(HttpRequest request) =>
        request.Query["excludedAttributes"].ToString().Split(',').Any(a => string.Equals(a.Trim(), "members", StringComparison.OrdinalIgnoreCase));

    /// <param name="showMembers">False for <c>excludedAttributes=members</c>: the version still covers them.</param>
    public static JsonObject Show(ScimGroup g, IReadOnlyList<Guid> members, string baseUrl, bool showMembers = true)
    {
        var resource = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimSchemas.Group),
            ["id"] = g.Id.ToString(),
        };
        if (g.ExternalId is not null)
            resource["externalId"] = g.ExternalId;
        resource["displayName"] = g.DisplayName;
        resource["members"] = new JsonArray([.. members.Order().Select(m => (JsonNode)new JsonObject
        {
            ["value"] = m.ToString(), ["$ref"] = $"{baseUrl}/Users/{m}", ["type"] = "User",
        })]);
        ScimJson.WithMeta(resource, "Group", g.CreatedAt, g.LastModified, $"{baseUrl}/Groups/{g.Id}");
        if (!showMembers)
            resource.Remove("members");
        return resource;
    }

    private static Expression<Func<ScimGroup, bool>> Predicate(ParleyDb db, ScimComparison c)
    {
        var value = c.Value ?? "";
        var normalized = User.Normalize(value);
        Guid.TryParse(value, out var id);
        return c.Attribute switch
        {
            "displayname" => g => g.NormalizedDisplayName == normalized,
            "externalid" => g => g.ExternalId == c.Value,
            "id" => g => g.Id == id,
            "members" or "members.value" => g => db.ScimGroupMembers.Any(m => m.GroupId == g.Id && m.UserId == id),
            _ => throw new ScimException(400, "invalidFilter", $"Parley cannot filter Groups by {c.Attribute}: use displayName, externalId, id or members."),
        };
    }

    /// <summary>What a request may change on a group: its name, externalId and member ids.</summary>
    private sealed class GroupState(string? displayName, string? externalId, HashSet<Guid> members)
    {
        public string? DisplayName { get; set; } = displayName;
        public string? ExternalId { get; set; } = externalId;
        public HashSet<Guid> Members { get; } = members;

        public static GroupState FromResource(JsonObject body)
        {
            if (ScimJson.Get(body, "schemas") is not JsonArray { Count: > 0 } schemas
                || schemas.Any(s => ScimJson.String(s, "schemas") != ScimSchemas.Group))
                throw ScimException.InvalidSyntax($"A Group lists the schema {ScimSchemas.Group}.");
            var state = new GroupState(null, null, []);
            foreach (var (key, value) in body)
                if (!string.Equals(key, "schemas", StringComparison.OrdinalIgnoreCase))
                    state.Set(key, value, ScimOp.Replace);
            return state;
        }

        public void Set(string path, JsonNode? value, ScimOp op)
        {
            var (attribute, filter, sub) = ScimPatch.Split(path, ScimSchemas.Group);
            switch (attribute)
            {
                case "displayname" when filter.Count == 0 && sub is null:
                    DisplayName = op == ScimOp.Remove ? throw ScimException.InvalidValue("displayName is required.") : ScimJson.String(value, "displayName");
                    break;
                case "externalid" when filter.Count == 0 && sub is null:
                    ExternalId = op == ScimOp.Remove ? null : ScimJson.String(value, "externalId") is { Length: <= ScimIdentity.MaxExternalIdLength } e ? e
                        : value is null ? null : throw ScimException.InvalidValue($"externalId is at most {ScimIdentity.MaxExternalIdLength} characters.");
                    break;
                case "members" when sub is null or "value":
                    SetMembers(filter, value, op);
                    break;
                case "id" or "meta":
                    break;   // read-only: Okta sends the id back in its replace operations
                default:
                    throw ScimException.InvalidPath($"'{path}' is not an attribute of a Group that Parley knows.");
            }
        }

        private void SetMembers(IReadOnlyList<ScimComparison> filter, JsonNode? value, ScimOp op)
        {
            if (filter.Count > 0)
            {
                // members[value eq "…"]: Okta and Entra ID remove one member this way.
                if (op != ScimOp.Remove || filter.Any(c => c.Attribute != "members.value"))
                    throw ScimException.InvalidPath("A members filter removes members by value: members[value eq \"id\"].");
                foreach (var c in filter)
                    if (Guid.TryParse(c.Value, out var member))
                        Members.Remove(member);
                return;
            }
            var ids = value is null ? [] : Ids(value);
            switch (op)
            {
                case ScimOp.Add:
                    Members.UnionWith(ids);
                    break;
                case ScimOp.Replace:
                    Members.Clear();
                    Members.UnionWith(ids);
                    break;
                case ScimOp.Remove when value is null:
                    Members.Clear();
                    break;
                case ScimOp.Remove:
                    Members.ExceptWith(ids);
                    break;
            }
        }

        private static List<Guid> Ids(JsonNode value)
        {
            var items = value switch
            {
                JsonArray array => array.ToList(),
                JsonObject one => [one],
                _ => throw ScimException.InvalidValue("members is an array of objects with a value."),
            };
            if (items.Count > MaxMembersPerRequest)
                throw new ScimException(400, "tooMany", $"At most {MaxMembersPerRequest} members per request.");
            return
            [
                .. items.Select(i => i is JsonObject o && ScimJson.String(ScimJson.Get(o, "value"), "members.value") is { } text
                    ? Guid.TryParse(text, out var id) ? id : throw ScimException.InvalidValue($"The member {text} is not a User of this organization.")
                    : throw ScimException.InvalidValue("members is an array of objects with a value.")),
            ];
        }
    }
}
