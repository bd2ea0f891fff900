using Parley.Server.Platform;

namespace Parley.Server.Features.Records;

public static class RecordEndpoints
{
    public static void MapRecordEndpoints(this RouteGroupBuilder api)
    {
        var admin = api.MapGroup("/admin").WithTags("Record");
        admin.MapGet("/integrity", VerifyIntegrity.HandleAsync)
            .WithSummary("Verify every hash chain of the organization")
            .WithDescription("Admins only. Recomputes each conversation's chain and the audit chain, checks contents against their " +
                "commitments and the message table against the record, and names the first entry that fails.")
            .WithProblems(403);
        admin.MapGet("/audit", AuditLog.ListAuditEvents.HandleAsync)
            .WithSummary("List the audit log")
            .WithDescription("Admins only. Security and administrative actions, newest first; filter by `action`.")
            .WithProblems(403);
    }
}
