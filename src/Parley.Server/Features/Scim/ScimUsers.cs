using System.Linq.Expressions;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Realtime;

namespace Parley.Server.Features.Scim;

/// <summary>An account as SCIM sees it: the user and, when a directory ever touched it, its directory identity.</summary>
public sealed class ScimUserRow
{
    public required User User { get; init; }
    public ScimIdentity? Identity { get; init; }
}

/// <summary>
/// /scim/v2/Users (RFC 7644 §3): the organization's accounts, created, changed and deactivated by its directory. userName is
/// the directory's sign-in name, the work email is the account's email; DELETE deactivates (never erases) through the same
/// path as an admin's deactivation. Every change is audited as made by the token.
/// </summary>
public static class ScimUsers
{
    public static IQueryable<ScimUserRow> Rows(ParleyDb db, Guid organizationId) =>
        from u in db.Users
        where u.OrganizationId == organizationId
        join i in db.ScimIdentities on u.Id equals i.UserId into identities
        from i in identities.DefaultIfEmpty()
        where i == null || i.DeletedAt == null
        select new ScimUserRow { User = u, Identity = i };

    public static async Task<IResult> ListAsync(HttpContext http, ParleyDb db, CancellationToken ct)
    {
        var caller = ScimCaller.Of(http);
        var page = ScimPage.From(http.Request);
        var query = Rows(db, caller.OrganizationId);
        foreach (var comparison in ScimFilter.Parse(http.Request.Query["filter"]))
            query = query.Where(Predicate(comparison));
        var total = await query.CountAsync(ct);
        var rows = page.Count == 0 ? [] : await query.OrderBy(r => r.User.CreatedAt).ThenBy(r => r.User.Id)
            .Skip(page.StartIndex - 1).Take(page.Count).AsNoTracking().ToListAsync(ct);
        var baseUrl = ScimJson.BaseUrl(http.Request);
        return ScimResult.Ok(ScimPage.List(rows.Select(r => Show(r, baseUrl)), total, page));
    }

    public static async Task<IResult> GetAsync(string id, HttpContext http, ParleyDb db, CancellationToken ct)
    {
        var row = await FindAsync(db, ScimCaller.Of(http), id, ct);
        return ScimResult.Ok(Show(row, ScimJson.BaseUrl(http.Request)));
    }

    public static async Task<IResult> CreateAsync(HttpContext http, ParleyDb db, TimeProvider clock, CancellationToken ct)
    {
        var caller = ScimCaller.Of(http);
        var body = await ScimJson.ReadObjectAsync(http.Request, ct);
        ScimUserState.CheckSchemas(body);
        var state = new ScimUserState();
        state.Replace(body);
        state.UserName = ScimUserState.ValidUserName(state.UserName ?? throw ScimException.InvalidValue("userName is required."));
        var now = clock.GetUtcNow();

        await using var tx = await db.BeginWriteAsync(ct);
        await db.LockOrganizationAsync(caller.OrganizationId, ct);
        // The same person created again after a DELETE gets their account back, with everything they wrote.
        var deleted = await DeletedMatchAsync(db, caller.OrganizationId, state, ct);
        if (deleted is not null)
        {
            deleted.Identity!.Restore(now);
            await SaveAsync(http, db, caller, deleted, state, now, created: false, ct);
            await tx.CommitAsync(ct);
            Announce(http, deleted.User, state);
            return new ScimResult(201, Show(deleted, ScimJson.BaseUrl(http.Request))) { Location = Location(http, deleted.User.Id) };
        }

        var email = state.EmailOrUserName();
        var handle = await db.FreeHandleAsync(caller.OrganizationId, User.HandleFrom(email), ct);
        var user = new User(caller.OrganizationId, email, state.DisplayNameOrDerived(), handle, OrgRole.Member, passwordHash: "", now);
        var row = new ScimUserRow { User = user, Identity = new ScimIdentity(user, now) };
        db.Users.Add(user);
        db.ScimIdentities.Add(row.Identity);
        await SaveAsync(http, db, caller, row, state, now, created: true, ct);
        await tx.CommitAsync(ct);
        return new ScimResult(201, Show(row, ScimJson.BaseUrl(http.Request))) { Location = Location(http, user.Id) };
    }

    public static Task<IResult> ReplaceAsync(string id, HttpContext http, ParleyDb db, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, http, db, clock, (body, state) =>
        {
            ScimUserState.CheckSchemas(body);
            state.Replace(body);
        }, ct);

    public static Task<IResult> PatchAsync(string id, HttpContext http, ParleyDb db, TimeProvider clock, CancellationToken ct) =>
        ChangeAsync(id, http, db, clock, (body, state) => ScimPatch.Apply(body, state.Set), ct);

    /// <summary>Deactivates the account (RFC 7644 lets a deleted resource be kept): its sessions end, its record stays.</summary>
    public static async Task<IResult> DeleteAsync(string id, HttpContext http, ParleyDb db, TimeProvider clock, CancellationToken ct)
    {
        var caller = ScimCaller.Of(http);
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        await db.LockOrganizationAsync(caller.OrganizationId, ct);
        var row = await FindAsync(db, caller, id, ct);
        ScimJson.CheckIfMatch(http.Request, Show(row, ScimJson.BaseUrl(http.Request)));
        var identity = row.Identity ?? db.ScimIdentities.Add(new ScimIdentity(row.User, now)).Entity;
        identity.Delete(now);
        await db.AuditAsync(caller.OrganizationId, AuditAction.UserUpdated, caller.TokenId, "user", row.User.Id.ToString(),
            caller.Audited(new { deleted = true }), http.ClientAddress(), now, ct);
        var state = ScimUserState.From(row) with { Active = false };
        await DeactivateIfAskedAsync(http, db, caller, row.User, state, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        Announce(http, row.User, state);
        return ScimResult.NoContent();
    }

    private static async Task<IResult> ChangeAsync(string id, HttpContext http, ParleyDb db, TimeProvider clock,
        Action<JsonObject, ScimUserState> change, CancellationToken ct)
    {
        var caller = ScimCaller.Of(http);
        var body = await ScimJson.ReadObjectAsync(http.Request, ct);
        var now = clock.GetUtcNow();
        var baseUrl = ScimJson.BaseUrl(http.Request);

        // Read and changed under the organization's lock: a concurrent change is either seen or waits.
        await using var tx = await db.BeginWriteAsync(ct);
        await db.LockOrganizationAsync(caller.OrganizationId, ct);
        var row = await FindAsync(db, caller, id, ct);
        ScimJson.CheckIfMatch(http.Request, Show(row, baseUrl));
        var state = ScimUserState.From(row);
        change(body, state);
        if (state == ScimUserState.From(row))
            return ScimResult.Ok(Show(row, baseUrl));
        var withIdentity = row.Identity is null
            ? new ScimUserRow { User = row.User, Identity = db.ScimIdentities.Add(new ScimIdentity(row.User, now)).Entity }
            : row;
        await SaveAsync(http, db, caller, withIdentity, state, now, created: false, ct);
        await tx.CommitAsync(ct);
        Announce(http, row.User, state);
        return ScimResult.Ok(Show(withIdentity, baseUrl));
    }

    /// <summary>
    /// Checks the new state against the organization (unique userName and email), writes it and its audit entries into
    /// the transaction, and saves. Runs under <see cref="ScimLocks.LockOrganizationAsync"/>.
    /// </summary>
    private static async Task SaveAsync(HttpContext http, ParleyDb db, ScimCaller caller, ScimUserRow row, ScimUserState state,
        DateTimeOffset now, bool created, CancellationToken ct)
    {
        var user = row.User;
        var identity = row.Identity!;
        var before = created ? null : ScimUserState.From(row);
        var userName = ScimUserState.ValidUserName(state.UserName!);
        var email = User.ValidEmail(state.Email ?? user.Email);
        var displayName = User.ValidDisplayName(state.DisplayNameOrDerived());
        var normalizedUserName = User.Normalize(userName);
        var normalizedEmail = User.Normalize(email);

        // A userName is taken by another account's directory identity (a deleted one included), or by the email of an account
        // no directory touched yet, which SCIM shows as its userName.
        if (await db.ScimIdentities.AnyAsync(i => i.OrganizationId == caller.OrganizationId && i.UserId != user.Id && i.NormalizedUserName == normalizedUserName, ct)
            || await Rows(db, caller.OrganizationId).AnyAsync(r => r.User.Id != user.Id && r.Identity == null && r.User.NormalizedEmail == normalizedUserName, ct))
            throw ScimException.Uniqueness("Another account of this organization has this userName.");
        if (await db.Users.AnyAsync(u => u.OrganizationId == caller.OrganizationId && u.Id != user.Id && u.NormalizedEmail == normalizedEmail, ct))
            throw ScimException.Uniqueness("Another account of this organization has this email.");

        identity.Set(userName, state.ExternalId, state.GivenName, state.FamilyName, state.FormattedName, now);
        if (!created && email != user.Email)
            user.ChangeEmail(email);
        if (!created && displayName != user.DisplayName)
            user.Rename(displayName);

        var changed = before is null ? [] : ScimUserState.Changes(before, state).Where(c => c != "active").ToList();
        if (created)
            await db.AuditAsync(caller.OrganizationId, AuditAction.UserProvisioned, caller.TokenId, "user", user.Id.ToString(),
                caller.Audited(new { role = AccountDtos.RoleName(user.Role) }), http.ClientAddress(), now, ct);
        else if (changed.Count > 0)
            await db.AuditAsync(caller.OrganizationId, AuditAction.UserUpdated, caller.TokenId, "user", user.Id.ToString(),
                caller.Audited(new { changed }), http.ClientAddress(), now, ct);

        if (!state.Active && user.IsActive)
            await DeactivateIfAskedAsync(http, db, caller, user, state, now, ct);
        else if (state.Active && !user.IsActive)
        {
            user.Reactivate();
            await db.AuditAsync(caller.OrganizationId, AuditAction.UserReactivated, caller.TokenId, "user", user.Id.ToString(),
                caller.Audited(), http.ClientAddress(), now, ct);
        }
        await db.SaveChangesAsync(ct);
    }

    private static async Task DeactivateIfAskedAsync(HttpContext http, ParleyDb db, ScimCaller caller, User user, ScimUserState state,
        DateTimeOffset now, CancellationToken ct)
    {
        if (state.Active || !user.IsActive)
            return;
        if (!await db.DeactivateAsync(user, open => db.AuditAsync(caller.OrganizationId, AuditAction.UserDeactivated, caller.TokenId, "user",
                user.Id.ToString(), caller.Audited(new { sessionsEnded = open }), http.ClientAddress(), now, ct), now, ct))
            throw new ScimException(400, "mutability", "This is the organization's last active owner: make someone else owner in Parley first.");
    }

    /// <summary>After commit: a deactivated account's sessions and live connections end at once.</summary>
    private static void Announce(HttpContext http, User user, ScimUserState state)
    {
        if (!state.Active)
            UserDeactivation.Announce(user, http.RequestServices.GetRequiredService<SessionCache>(),
                http.RequestServices.GetRequiredService<ConnectionRegistry>());
    }

    private static async Task<ScimUserRow?> DeletedMatchAsync(ParleyDb db, Guid organizationId, ScimUserState state, CancellationToken ct)
    {
        var userName = User.Normalize(state.UserName!);
        var email = state.Email is null ? null : User.Normalize(state.Email);
        return await (from u in db.Users
                      where u.OrganizationId == organizationId
                      join i in db.ScimIdentities on u.Id equals i.UserId
                      where i.DeletedAt != null && (i.NormalizedUserName == userName || u.NormalizedEmail == email)
                      select new ScimUserRow { User = u, Identity = i }).FirstOrDefaultAsync(ct);
    }

    /// <summary>The account with this id in the caller's organization; another organization's answers as a missing one.</summary>
    public static async Task<ScimUserRow> FindAsync(ParleyDb db, ScimCaller caller, string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var userId))
            throw ScimException.NotFound("User");
        return await Rows(db, caller.OrganizationId).SingleOrDefaultAsync(r => r.User.Id == userId, ct)
            ?? throw ScimException.NotFound("User");
    }

    private static string Location(HttpContext http, Guid id) => $"{ScimJson.BaseUrl(http.Request)}/Users/{id}";

    public static JsonObject Show(ScimUserRow row, string baseUrl)
    {
        var (u, i) = (row.User, row.Identity);
        var resource = new JsonObject
        {
            ["schemas"] = new JsonArray(ScimSchemas.User),
            ["id"] = u.Id.ToString(),
        };
        if (i?.ExternalId is { } externalId)
            resource["externalId"] = externalId;
        resource["userName"] = i?.UserName ?? u.Email;
        var name = new JsonObject();
        if (i?.GivenName is { } given)
            name["givenName"] = given;
        if (i?.FamilyName is { } family)
            name["familyName"] = family;
        if (i?.FormattedName is { } formatted)
            name["formatted"] = formatted;
        if (name.Count > 0)
            resource["name"] = name;
        resource["displayName"] = u.DisplayName;
        resource["emails"] = new JsonArray(new JsonObject { ["value"] = u.Email, ["type"] = "work", ["primary"] = true });
        resource["active"] = u.IsActive;
        var modified = new[] { u.CreatedAt, i?.LastModified ?? u.CreatedAt, u.DeactivatedAt ?? u.CreatedAt }.Max();
        return ScimJson.WithMeta(resource, "User", u.CreatedAt, modified, $"{baseUrl}/Users/{u.Id}");
    }

    private static Expression<Func<ScimUserRow, bool>> Predicate(ScimComparison c)
    {
        var value = c.Value ?? "";
        var normalized = User.Normalize(value);
        return c.Attribute switch
        {
            "username" => r => (r.Identity != null ? r.Identity.NormalizedUserName : r.User.NormalizedEmail) == normalized,
            "externalid" => r => r.Identity != null && r.Identity.ExternalId == c.Value,
            "id" => Guid.TryParse(value, out var id) ? r => r.User.Id == id : r => false,
            "emails" or "emails.value" => r => r.User.NormalizedEmail == normalized,
            // Parley keeps one email per account, the work one, and it is the primary.
            "emails.type" => string.Equals(value, "work", StringComparison.OrdinalIgnoreCase) ? r => true : r => false,
            "emails.primary" => value == "true" ? r => true : r => false,
            "displayname" => r => r.User.DisplayName == value,
            "active" => value == "true" ? r => r.User.DeactivatedAt == null : value == "false" ? r => r.User.DeactivatedAt != null : r => false,
            _ => throw new ScimException(400, "invalidFilter", $"Parley cannot filter Users by {c.Attribute}: use userName, externalId, id, emails, displayName or active."),
        };
    }
}

public static class ScimLocks
{
    /// <summary>
    /// Inside a write: takes the organization's row (the audit chain's head, first in the lock order of docs/architecture.md),
    /// so that SCIM's reads, uniqueness checks and writes of one organization happen one request at a time.
    /// </summary>
    public static Task LockOrganizationAsync(this ParleyDb db, Guid organizationId, CancellationToken ct) =>
        db.Organizations.Where(o => o.Id == organizationId).ExecuteUpdateAsync(s => s.SetProperty(o => o.AuditCount, o => o.AuditCount), ct);
}
