using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Parley.Server.Data;
using Parley.Server.Features.AuditLog;
using Parley.Server.Platform;
using Parley.Server.Features.Governance;

namespace Parley.Server.Features.Scim;

public sealed record ScimTokenDto(Guid Id, string Name, Guid CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A token just made: <see cref="Token"/> is shown this once and never again.</summary>
public sealed record CreatedScimTokenDto(ScimTokenDto ScimToken, string Token, string TenantUrl);

public static class ListScimTokens
{
    public static async Task<Results<Ok<List<ScimTokenDto>>, ProblemHttpResult>> HandleAsync(CurrentUser me, ParleyDb db, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return Problems.Forbidden("admin-only", "Only admins can see provisioning tokens.");
        var tokens = await db.ScimTokens.Where(t => t.OrganizationId == me.OrganizationId).AsNoTracking().ToListAsync(ct);
        return TypedResults.Ok(tokens.OrderByDescending(t => t.CreatedAt).Select(t => t.ToDto()).ToList());
    }

    public static ScimTokenDto ToDto(this ScimToken t) => new(t.Id, t.Name, t.CreatedBy, t.CreatedAt, t.RevokedAt);
}

public static class CreateScimToken
{
    public sealed record Request
    {
        /// <summary>What the token is for, such as "Entra ID".</summary>
        [Required, StringLength(ScimToken.MaxNameLength, MinimumLength = 1)] public string Name { get; init; } = "";
    }

    public static async Task<Results<Created<CreatedScimTokenDto>, ProblemHttpResult>> HandleAsync(
        Request request, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (!me.Can(Capability.ManageIntegrations))
            return Problems.Forbidden("admin-only", "Only admins can make provisioning tokens.");
        var name = Accounts.User.ValidDisplayName(request.Name);
        var now = clock.GetUtcNow();
        var secret = Secrets.NewToken();
        var token = new ScimToken(me.OrganizationId, name, Secrets.Hash(secret), me.Id, now);
        db.ScimTokens.Add(token);
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(me, AuditAction.ScimTokenCreated, "scim-token", token.Id.ToString(), new { name }, http, now, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/organization/scim-tokens/{token.Id}",
            new CreatedScimTokenDto(token.ToDto(), secret, ScimJson.BaseUrl(http.Request)));
    }
}

public static class RevokeScimToken
{
    /// <summary>The directory holding this token gets 401 from its next request on. Revoking twice is harmless.</summary>
    public static async Task<Results<Ok<ScimTokenDto>, ProblemHttpResult>> HandleAsync(
        Guid tokenId, CurrentUser me, ParleyDb db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var token = await db.ScimTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.OrganizationId == me.OrganizationId, ct);
        if (token is null)
            return Problems.NotFound("provisioning token");
        if (!me.Can(Capability.ManageIntegrations))
            return Problems.Forbidden("admin-only", "Only admins can revoke provisioning tokens.");
        if (token.RevokedAt is not null)
            return TypedResults.Ok(token.ToDto());
        var now = clock.GetUtcNow();
        token.Revoke(now);
        await using var tx = await db.BeginWriteAsync(ct);
        await db.AuditAsync(me, AuditAction.ScimTokenRevoked, "scim-token", token.Id.ToString(), new { name = token.Name }, http, now, ct);
        // Claimed in the database: of two admins revoking at once, one writes the audit entry.
        if (await db.ScimTokens.Where(t => t.Id == token.Id && t.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), ct) == 0)
            return TypedResults.Ok(token.ToDto());
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(token.ToDto());
    }
}
