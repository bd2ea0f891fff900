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
        admin.MapGet("/record/export", ExportRecord.HandleAsync)
            .WithSummary("Export the record as a bundle anyone can verify")
            .WithDescription("Admins only. Signs a checkpoint of the organization's log, then answers a ZIP archive: the checkpoint, " +
                "the verifier keys, every leaf with its opening, the earlier checkpoints with consistency proofs, and the files " +
                "(docs/record-format.md, \"The export bundle\"). Check it offline with `parley verify`. The export is audited.")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .WithProblems(403);
        admin.MapGet("/audit", AuditLog.ListAuditEvents.HandleAsync)
            .WithSummary("List the audit log")
            .WithDescription("Admins only. Security and administrative actions, newest first; filter by `action`.")
            .WithProblems(403);
    }
}
