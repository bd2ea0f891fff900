using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;

namespace Parley.Server.Features.Governance;

/// <param name="ChannelCreation">everyone or admins.</param>
/// <param name="GroupCreation">everyone or admins: who may start a group conversation (three people or more).</param>
/// <param name="AllowedFileTypes">Extensions without dots, lower case (["pdf", "png"]); null: every type.</param>
public sealed record PoliciesDto(string ChannelCreation, string GroupCreation, bool MembersMayMessageGuests, int? EditWindowMinutes,
    int? DeleteWindowMinutes, List<string>? AllowedFileTypes, long? MaxFileBytes, int? SessionLifetimeMinutes, int? IdleTimeoutMinutes,
    bool NewPeopleJoinDefaultChannels);

/// <summary>The organization's policies as the places that enforce them read them: always a value, the defaults without a row.</summary>
public static class PolicyRules
{
    public static async Task<OrganizationPolicies> PoliciesAsync(this ParleyDb db, Guid organizationId, CancellationToken ct) =>
        await db.OrganizationPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.OrganizationId == organizationId, ct)
            ?? new OrganizationPolicies(organizationId);

    /// <summary>Whether the caller is one of the people an <see cref="PolicyAudience.Admins"/> policy lets through.</summary>
    public static bool Allows(this PolicyAudience audience, CurrentUser me) =>
        audience == PolicyAudience.Everyone || me.Can(Capability.ManageOrganization);

    /// <summary>Whether a file of this name is of a type the organization allows.</summary>
    public static bool AllowsFileName(this OrganizationPolicies policies, string fileName)
    {
        if (policies.AllowedFileTypes is not { } allowed)
            return true;
        var extension = Path.GetExtension(fileName).TrimStart('.').ToLowerInvariant();
        return extension.Length > 0 && allowed.Split(',').Contains(extension);
    }

    /// <summary>Whether an action a window limits, on something sent at <paramref name="sentAt"/>, is still allowed at <paramref name="now"/>.</summary>
    public static bool WithinWindow(int? windowMinutes, DateTimeOffset sentAt, DateTimeOffset now) =>
        windowMinutes is not { } minutes || now - sentAt <= TimeSpan.FromMinutes(minutes);

    public static PoliciesDto ToDto(this OrganizationPolicies p) => new(AudienceName(p.ChannelCreation), AudienceName(p.GroupCreation),
        p.MembersMayMessageGuests, p.EditWindowMinutes, p.DeleteWindowMinutes, p.AllowedFileTypes?.Split(',').ToList(), p.MaxFileBytes,
        p.SessionLifetimeMinutes, p.IdleTimeoutMinutes, p.NewPeopleJoinDefaultChannels);

    public static string AudienceName(PolicyAudience audience) => audience == PolicyAudience.Admins ? "admins" : "everyone";
}

public static class GetPolicies
{
    /// <summary>Everyone may read them: they say what the client should offer.</summary>
    public static async Task<Ok<PoliciesDto>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct) =>
        TypedResults.Ok((await db.PoliciesAsync(me.OrganizationId, ct)).ToDto());
}

public static class SetPolicies
{
    public sealed record Request
    {
        [Required, StringLength(10)] public string ChannelCreation { get; init; } = "everyone";
        [Required, StringLength(10)] public string GroupCreation { get; init; } = "everyone";
        public bool MembersMayMessageGuests { get; init; } = true;
        [Range(1, OrganizationPolicies.MaxMinutes)] public int? EditWindowMinutes { get; init; }
        [Range(1, OrganizationPolicies.MaxMinutes)] public int? DeleteWindowMinutes { get; init; }
        [MaxLength(100)] public List<string>? AllowedFileTypes { get; init; }
        [Range(1, long.MaxValue)] public long? MaxFileBytes { get; init; }
        [Range(5, OrganizationPolicies.MaxMinutes)] public int? SessionLifetimeMinutes { get; init; }
        [Range(5, OrganizationPolicies.MaxMinutes)] public int? IdleTimeoutMinutes { get; init; }
        public bool NewPeopleJoinDefaultChannels { get; init; } = true;
    }

    public static async Task<Results<Ok<PoliciesDto>, ProblemHttpResult>> HandleAsync(Request request, CurrentUser me, ParleyDb db,
        Microsoft.Extensions.Options.IOptions<Files.FileOptions> files, SessionCache sessions, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (me.Refuse(Capability.ManageOrganization, "Only admins can change organization settings.") is { } refused)
            return refused;
        if (Audience(request.ChannelCreation) is not { } channels || Audience(request.GroupCreation) is not { } groups)
            return Problems.BadRequest("policy-audience-invalid", "Say everyone or admins.");
        string? types = null;
        if (request.AllowedFileTypes is { } list)
        {
            var cleaned = list.Select(t => (t ?? "").Trim().TrimStart('.').ToLowerInvariant()).Distinct().ToList();
            if (cleaned.Count == 0 || cleaned.Any(t => t.Length is 0 or > 16 || !t.All(char.IsAsciiLetterOrDigit)))
                return Problems.BadRequest("file-types-invalid", "File types are extensions of letters and digits, such as pdf or png.");
            types = string.Join(',', cleaned);
        }
        if (request.MaxFileBytes > files.Value.MaxFileBytes)
            return Problems.BadRequest("file-size-limit-invalid", $"The limit cannot exceed the deployment's, {files.Value.MaxFileBytes:N0} bytes.");

        var now = clock.GetUtcNow();
        await using var tx = await db.BeginWriteAsync(ct);
        var policies = await db.OrganizationPolicies.SingleOrDefaultAsync(p => p.OrganizationId == me.OrganizationId, ct);
        if (policies is null)
            db.OrganizationPolicies.Add(policies = new OrganizationPolicies(me.OrganizationId));
        var before = policies.ToDto();
        policies.ChannelCreation = channels;
        policies.GroupCreation = groups;
        policies.MembersMayMessageGuests = request.MembersMayMessageGuests;
        policies.EditWindowMinutes = request.EditWindowMinutes;
        policies.DeleteWindowMinutes = request.DeleteWindowMinutes;
        policies.AllowedFileTypes = types;
        policies.MaxFileBytes = request.MaxFileBytes;
        policies.SessionLifetimeMinutes = request.SessionLifetimeMinutes;
        policies.IdleTimeoutMinutes = request.IdleTimeoutMinutes;
        policies.NewPeopleJoinDefaultChannels = request.NewPeopleJoinDefaultChannels;
        var after = policies.ToDto();
        await db.AuditAsync(me, AuditAction.OrganizationPoliciesChanged, "organization", me.OrganizationId.ToString(), new { before, after }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        sessions.Invalidate();   // sessions are checked against the new lifetime and idle timeout from the next request
        return TypedResults.Ok(after);
    }

    private static PolicyAudience? Audience(string value) => value.ToLowerInvariant() switch
    {
        "everyone" => PolicyAudience.Everyone,
        "admins" => PolicyAudience.Admins,
        _ => null,
    };
}
