using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.DirectorySync;

/// <summary>The settings as the API shows them: the bind password never, only whether one is set.</summary>
public sealed record DirectorySettingsDto(string ServerUrl, string BindDn, bool BindPasswordSet, string BaseDn, string UserFilter,
    string IdAttribute, string EmailAttribute, string NameAttribute, string? TitleAttribute, string? GroupBaseDn, string? GroupFilter,
    string GroupNameAttribute, string GroupMemberAttribute, int? IntervalMinutes, DateTimeOffset? NextRunAt, DateTimeOffset UpdatedAt);

/// <summary>A sync and how far it got. <c>State</c>: queued, running, done or failed; <c>Report</c> once done.</summary>
public sealed record DirectorySyncRunDto(Guid Id, string State, string? Phase, int EntriesRead, bool Scheduled, DateTimeOffset RequestedAt,
    DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, DirectorySyncReportDto? Report, string? Error);

/// <summary>The bind password's encryption at rest (ASP.NET Data Protection, the key ring of the data folder's <c>keys/</c>).</summary>
public sealed class DirectorySecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Parley.Directory.BindPassword.v1");

    public string Protect(string password) => _protector.Protect(password);

    public string Unprotect(DirectorySettings settings) => _protector.Unprotect(settings.ProtectedBindPassword);
}

public static partial class DirectorySettingsOperations
{
    public sealed record Request
    {
        /// <summary><c>ldap://host:389</c> or <c>ldaps://host:636</c>.</summary>
        [Required, StringLength(DirectorySettings.MaxUrlLength)] public string ServerUrl { get; init; } = "";
        [Required, StringLength(DirectorySettings.MaxDnLength)] public string BindDn { get; init; } = "";

        /// <summary>Required the first time; left out, the stored one is kept. Never returned.</summary>
        [StringLength(256), UserText.Verbatim] public string? BindPassword { get; init; }
        [Required, StringLength(DirectorySettings.MaxDnLength)] public string BaseDn { get; init; } = "";

        /// <summary>Which entries are people, e.g. <c>(objectClass=inetOrgPerson)</c> or, in Active Directory, <c>(&amp;(objectCategory=person)(objectClass=user))</c>.</summary>
        [Required, StringLength(DirectorySettings.MaxFilterLength)] public string UserFilter { get; init; } = "";

        /// <summary>The entry's stable id: <c>entryUUID</c> (OpenLDAP, the default) or <c>objectGUID</c> (Active Directory).</summary>
        [StringLength(DirectorySettings.MaxAttributeLength)] public string? IdAttribute { get; init; }
        [StringLength(DirectorySettings.MaxAttributeLength)] public string? EmailAttribute { get; init; }
        [StringLength(DirectorySettings.MaxAttributeLength)] public string? NameAttribute { get; init; }

        /// <summary><c>title</c> by default; an empty string leaves titles alone.</summary>
        [StringLength(DirectorySettings.MaxAttributeLength)] public string? TitleAttribute { get; init; }
        [StringLength(DirectorySettings.MaxDnLength)] public string? GroupBaseDn { get; init; }
        [StringLength(DirectorySettings.MaxFilterLength)] public string? GroupFilter { get; init; }
        [StringLength(DirectorySettings.MaxAttributeLength)] public string? GroupNameAttribute { get; init; }
        [StringLength(DirectorySettings.MaxAttributeLength)] public string? GroupMemberAttribute { get; init; }

        /// <summary>Minutes between scheduled syncs (15 to 10080); left out, syncs run only when asked for.</summary>
        [Range(15, 10080)] public int? IntervalMinutes { get; init; }
    }

    public static DirectorySettingsDto ToDto(this DirectorySettings s) => new(s.ServerUrl, s.BindDn, s.ProtectedBindPassword.Length > 0, s.BaseDn,
        s.UserFilter, s.IdAttribute, s.EmailAttribute, s.NameAttribute, s.TitleAttribute, s.GroupBaseDn, s.GroupFilter, s.GroupNameAttribute,
        s.GroupMemberAttribute, s.Interval is { } i ? (int)i.TotalMinutes : null, s.NextRunAt, s.UpdatedAt);

    internal static ProblemHttpResult NotConfigured() =>
        Problems.Of(StatusCodes.Status404NotFound, "directory-not-configured", "This organization has no directory connected.");

    internal static ProblemHttpResult AdminOnly() => Problems.Forbidden("admin-only", "Only admins can manage directory sync.");

    public static async Task<Results<Ok<DirectorySettingsDto>, ProblemHttpResult>> GetAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return AdminOnly();
        var settings = await db.Set<DirectorySettings>().AsNoTracking().SingleOrDefaultAsync(s => s.OrganizationId == me.OrganizationId, ct);
        return settings is null ? NotConfigured() : TypedResults.Ok(settings.ToDto());
    }

    /// <summary>Creates or replaces the settings. Audited, without the password.</summary>
    public static async Task<Results<Ok<DirectorySettingsDto>, ProblemHttpResult>> PutAsync(Request request, CurrentUser me, ParleyDb db,
        DirectorySecrets secrets, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return AdminOnly();
        if (Invalid(request) is { } problem)
            return problem;
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var settings = await db.Set<DirectorySettings>().SingleOrDefaultAsync(s => s.OrganizationId == me.OrganizationId, ct);
        if (settings is null && string.IsNullOrEmpty(request.BindPassword))
            return Problems.BadRequest("directory-password-required", "Give the bind account's password: the directory is not connected yet.");
        var before = settings?.ToDto();
        if (settings is null)
            db.Add(settings = new DirectorySettings(me.OrganizationId));
        settings.ServerUrl = request.ServerUrl.Trim();
        settings.BindDn = request.BindDn.Trim();
        if (!string.IsNullOrEmpty(request.BindPassword))
            settings.ProtectedBindPassword = secrets.Protect(request.BindPassword);
        settings.BaseDn = request.BaseDn.Trim();
        settings.UserFilter = request.UserFilter.Trim();
        settings.IdAttribute = Attribute(request.IdAttribute) ?? "entryUUID";
        settings.EmailAttribute = Attribute(request.EmailAttribute) ?? "mail";
        settings.NameAttribute = Attribute(request.NameAttribute) ?? "cn";
        settings.TitleAttribute = request.TitleAttribute is null ? "title" : Attribute(request.TitleAttribute);
        settings.GroupBaseDn = Optional(request.GroupBaseDn);
        settings.GroupFilter = Optional(request.GroupFilter);
        settings.GroupNameAttribute = Attribute(request.GroupNameAttribute) ?? "cn";
        settings.GroupMemberAttribute = Attribute(request.GroupMemberAttribute) ?? "member";
        settings.Interval = request.IntervalMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null;
        settings.NextRunAt = settings.Interval is { } interval ? now + interval : null;
        settings.UpdatedBy = me.Id;
        settings.UpdatedAt = now;
        await db.AuditAsync(me, AuditAction.DirectorySettingsChanged, "organization", me.OrganizationId.ToString(),
            new { before, after = settings.ToDto(), bindPasswordChanged = !string.IsNullOrEmpty(request.BindPassword) }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(settings.ToDto());
    }

    /// <summary>Disconnects the directory: no more syncs. The people it made stay, and so do their links, for a reconnection.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http,
        CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return AdminOnly();
        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var settings = await db.Set<DirectorySettings>().SingleOrDefaultAsync(s => s.OrganizationId == me.OrganizationId, ct);
        if (settings is null)
            return NotConfigured();
        await db.AuditAsync(me, AuditAction.DirectorySettingsRemoved, "organization", me.OrganizationId.ToString(),
            new { before = settings.ToDto() }, http, now, ct);
        db.Remove(settings);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult? Invalid(Request r)
    {
        if (!Uri.TryCreate(r.ServerUrl.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("ldap" or "ldaps") || url.Host.Length == 0
            || url.UserInfo.Length > 0 || url.AbsolutePath is not ("/" or "") || url.Query.Length > 0 || url.Fragment.Length > 0)
            return Problems.BadRequest("directory-url-invalid", "The server URL is ldap://host[:port] or ldaps://host[:port], without a path.");
        foreach (var (field, dn) in new[] { ("bindDn", r.BindDn), ("baseDn", r.BaseDn), ("groupBaseDn", r.GroupBaseDn ?? "x=y") })
            if (!LooksLikeDn(dn))
                return Problems.BadRequest("directory-dn-invalid", $"{field} is a distinguished name such as ou=people,dc=example,dc=com.");
        foreach (var (field, filter) in new[] { ("userFilter", r.UserFilter), ("groupFilter", r.GroupFilter ?? "(x=y)") })
            if (!LooksLikeFilter(filter))
                return Problems.BadRequest("directory-filter-invalid", $"{field} is an LDAP filter in parentheses, such as (objectClass=inetOrgPerson).");
        if (string.IsNullOrWhiteSpace(r.GroupBaseDn) != string.IsNullOrWhiteSpace(r.GroupFilter))
            return Problems.BadRequest("directory-groups-invalid", "Give both a group base DN and a group filter, or neither.");
        foreach (var attribute in new[] { r.IdAttribute, r.EmailAttribute, r.NameAttribute, r.GroupNameAttribute, r.GroupMemberAttribute })
            if (attribute is not null && Attribute(attribute) is null)
                return Problems.BadRequest("directory-attribute-invalid", "Attribute names are letters, digits and hyphens, starting with a letter (such as mail).");
        if (r.TitleAttribute is { Length: > 0 } title && Attribute(title) is null)
            return Problems.BadRequest("directory-attribute-invalid", "Attribute names are letters, digits and hyphens, starting with a letter (such as title).");
        if (r.BindPassword is not null && r.BindPassword.Any(char.IsControl))
            return Problems.BadRequest("directory-password-invalid", "The bind password has control characters.");
        return null;
    }

    private static bool LooksLikeDn(string dn) => dn.Trim() is { Length: > 2 } d && d.Contains('=') && !d.Any(char.IsControl);

    private static bool LooksLikeFilter(string filter)
    {
        var f = filter.Trim();
        if (f.Length < 3 || f[0] != '(' || f[^1] != ')' || f.Any(char.IsControl))
            return false;
        var depth = 0;
        foreach (var c in f)
        {
            depth += c == '(' ? 1 : c == ')' ? -1 : 0;
            if (depth < 0)
                return false;
        }
        return depth == 0;
    }

    private static string? Attribute(string? name) => name?.Trim() is { Length: > 0 } n && AttributeName().IsMatch(n) ? n : null;

    private static string? Optional(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9-]{0,63}$")]
    private static partial Regex AttributeName();
}

public static class DirectorySyncRuns
{
    public static DirectorySyncRunDto ToDto(this DirectorySyncRun r) => new(r.Id, r.State.ToString().ToLowerInvariant(), r.Phase, r.EntriesRead,
        r.RequestedBy is null, r.RequestedAt, r.StartedAt, r.CompletedAt,
        r.Report is null ? null : JsonSerializer.Deserialize<DirectorySyncReportDto>(r.Report, JsonSerializerOptions.Web), r.Error);

    /// <summary>
    /// Asks for a sync now: 202 with the run to follow. While one is queued or running for the organization, that one is
    /// answered instead of a second. Audited.
    /// </summary>
    public static async Task<Results<Accepted<DirectorySyncRunDto>, ProblemHttpResult>> StartAsync(CurrentUser me, ParleyDb db,
        DirectorySyncWorker worker, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return DirectorySettingsOperations.AdminOnly();
        var now = clock.GetUtcNow();
        DirectorySyncRun? run;
        await using (var tx = await db.BeginWriteAsync(ct))
        {
            if (!await db.Set<DirectorySettings>().AnyAsync(s => s.OrganizationId == me.OrganizationId, ct))
                return DirectorySettingsOperations.NotConfigured();
            run = await db.Set<DirectorySyncRun>().Where(r => r.OrganizationId == me.OrganizationId &&
                (r.State == SyncState.Queued || r.State == SyncState.Running)).OrderBy(r => r.RequestedAt).FirstOrDefaultAsync(ct);
            if (run is null)
            {
                db.Add(run = new DirectorySyncRun(me.OrganizationId, me.Id, now));
                await db.AuditAsync(me, AuditAction.DirectorySyncRequested, "directory-sync", run.Id.ToString(), null, http, now, ct);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
        }
        worker.Wake();
        return TypedResults.Accepted($"/api/v1/organization/directory/runs/{run.Id}", run.ToDto());
    }

    public static async Task<Results<Ok<DirectorySyncRunDto>, ProblemHttpResult>> GetAsync(Guid runId, CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return DirectorySettingsOperations.AdminOnly();
        var run = await db.Set<DirectorySyncRun>().AsNoTracking().SingleOrDefaultAsync(r => r.Id == runId && r.OrganizationId == me.OrganizationId, ct);
        return run is null ? Problems.NotFound("sync run") : TypedResults.Ok(run.ToDto());
    }

    /// <summary>The organization's last 20 runs, newest first, without their reports.</summary>
    public static async Task<Results<Ok<List<DirectorySyncRunDto>>, ProblemHttpResult>> ListAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return DirectorySettingsOperations.AdminOnly();
        var runs = await db.Set<DirectorySyncRun>().AsNoTracking().Where(r => r.OrganizationId == me.OrganizationId)
            .OrderByDescending(r => r.RequestedAt).Take(20).ToListAsync(ct);
        return TypedResults.Ok(runs.Select(r => r.ToDto() with { Report = null }).ToList());
    }
}
