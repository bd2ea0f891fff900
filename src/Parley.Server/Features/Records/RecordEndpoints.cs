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
        var log = admin.MapGroup("/record");
        log.MapPost("/checkpoints", RecordLogEndpoints.CreateCheckpointAsync)
            .WithSummary("Sign a checkpoint of the organization's log now")
            .WithDescription("Admins only. Takes every entry written so far into the log, signs its head (C2SP signed note, Ed25519) " +
                "unless the last checkpoint already covers it, and hands it to the configured witnesses.")
            .WithProblems(403);
        log.MapGet("/checkpoints/latest", RecordLogEndpoints.LatestCheckpointAsync)
            .WithSummary("The newest signed checkpoint of the organization's log")
            .WithProblems(403, 404);
        log.MapGet("/keys", RecordLogEndpoints.KeysAsync)
            .WithSummary("The organization's checkpoint keys, retired ones included")
            .WithDescription("Admins only. Give a verifier the verifier key of the checkpoint it checks (docs/verifying.md).")
            .WithProblems(403);
        log.MapPost("/keys/rotate", RecordLogEndpoints.RotateKeyAsync)
            .WithSummary("Sign checkpoints with a new key from now on")
            .WithDescription("Owners only. The old public key stays listed, so older checkpoints keep verifying.")
            .WithProblems(403);
        log.MapGet("/proofs/inclusion", RecordLogEndpoints.InclusionAsync)
            .WithSummary("Prove that a leaf is in the log at a given size (RFC 9162 §2.1.3)")
            .WithProblems(400, 403);
        log.MapGet("/proofs/consistency", RecordLogEndpoints.ConsistencyAsync)
            .WithSummary("Prove that the log at one size is a prefix of the log at a larger size (RFC 9162 §2.1.4)")
            .WithProblems(400, 403);
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
