using System.Globalization;
using System.Text;
using Parley.Server.Features.Accounts;
using Parley.Server.Platform;

namespace Parley.Server.Features.Compliance.Gdpr;

/// <summary>What Parley processes and why, as the record of processing activities states it; the live parts come from the caller.</summary>
public static class ProcessingActivities
{
    private const string Employees = "the organization's people: members, guests, admins, owners and compliance officers";

    public static readonly IReadOnlyList<string> Purposes =
    [
        "Business communication between the organization's people (messages, threads, files, reactions).",
        "Authentication and account security (sign-in, sessions per device, two-factor sign-in).",
        "Keeping business records as the organization's retention policies and legal holds require, and proving them unaltered.",
        "Security and accountability: an audit log of security and administrative actions.",
        "Answering data subjects' requests (access, portability, erasure).",
    ];

    public static IReadOnlyList<DataCategoryDto> Categories(bool retentionPolicies)
    {
        var messagesKept = retentionPolicies
            ? "as the retention policies below say, and while a legal hold covers them"
            : "until erased: no retention policy is set, so messages are kept without limit unless a person's erasure request removes them";
        return
        [
            new("Identity", "display name, company email address, handle, role in the organization, account dates", Employees,
                "account and directory", "while the account exists; pseudonymised by an erasure request"),
            new("Authentication", "password hash (Argon2id), two-factor secret and recovery code hashes, sign-in challenges", Employees,
                "account security", "while the account is active; deleted by an erasure request"),
            new("Devices and sessions", "device name, client IP address, sign-in and last-use times, revocation", Employees,
                "account security", "for the session's lifetime, then kept as revoked; scrubbed by an erasure request"),
            new("Communications", "messages (every version, edits and deletions), reactions, mentions, threads, read positions", Employees,
                "business communication and record keeping", messagesKept),
            new("Files", "files shared in conversations: name, type, size, content hash and bytes", Employees,
                "business communication and record keeping", messagesKept),
            new("Membership", "who was in which conversation, with which role, from when to when", Employees,
                "access control and record keeping", "for as long as the conversation's record"),
            new("Audit log", "security and administrative actions: who, what, when, client IP address, details", Employees,
                "security and accountability", "kept; the details and address of a person's entries are erased by their erasure request"),
            new("Record proofs", "salted commitments (hashes) of the above, hash chains and signed checkpoints", Employees,
                "proving the record unaltered", "kept: they reveal nothing once the content they commit to is erased"),
        ];
    }

    public static IReadOnlyList<string> Security(bool twoFactorRequired, SessionLifetimeOptions sessions, PasswordOptions passwords) =>
    [
        "Tenant isolation: every row carries its organization and every request is authorized against it, then membership, then role.",
        $"Passwords stored as Argon2id hashes ({passwords.MemoryKiB.ToString(CultureInfo.InvariantCulture)} KiB, {passwords.Iterations.ToString(CultureInfo.InvariantCulture)} passes).",
        twoFactorRequired ? "Two-factor sign-in is required for everyone in the organization." : "Two-factor sign-in is available; the organization does not require it.",
        $"Sessions per device, revocable, ending {sessions.Lifetime.TotalDays.ToString(CultureInfo.InvariantCulture)} days after sign-in or after {sessions.IdleTimeout.TotalDays.ToString(CultureInfo.InvariantCulture)} idle days.",
        "An append-only record: hash chains per conversation and for the audit log, one Merkle log per organization, Ed25519-signed checkpoints published to witnesses.",
        "Erasure keeps the record verifiable: content is committed with a random salt and erased with an erasure entry.",
        "Files stored by content hash outside the web root, checked against their hash before every download and by a periodic scrub.",
        "Compliance officers read the record without reading conversations through the client; every compliance action is audited.",
    ];

    public static string Markdown(ProcessingRecordDto r)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Record of processing activities: {r.Controller}\n\n");
        md.Append(CultureInfo.InvariantCulture, $"GDPR article 30. Generated by Parley on {r.GeneratedAt:yyyy-MM-dd HH:mm} UTC from the organization's live configuration.\n\n");
        md.Append(CultureInfo.InvariantCulture, $"- Controller: {r.Controller} (organization `{r.OrganizationId}`)\n");
        md.Append(CultureInfo.InvariantCulture, $"- People: {r.Counts.People} ({r.Counts.ActivePeople} active, {r.Counts.ErasedPeople} erased); conversations: {r.Counts.Conversations}; messages: {r.Counts.Messages}; files: {r.Counts.Files}\n\n");
        md.Append("## Purposes\n\n");
        foreach (var purpose in r.Purposes)
            md.Append("- ").Append(purpose).Append('\n');
        md.Append("\n## Categories of personal data\n\n| category | data | data subjects | purpose | kept |\n| --- | --- | --- | --- | --- |\n");
        foreach (var c in r.Categories)
            md.Append(CultureInfo.InvariantCulture, $"| {c.Name} | {c.Data} | {c.Subjects} | {c.Purpose} | {c.Kept} |\n");
        md.Append("\n## Retention policies in force\n\n");
        if (r.Retention.Count == 0)
            md.Append("None: everything is kept until erased.\n");
        else
        {
            md.Append("| scope | minimum (days) | maximum (days) |\n| --- | --- | --- |\n");
            foreach (var p in r.Retention)
                md.Append(CultureInfo.InvariantCulture, $"| {p.Scope} | {Days(p.MinimumDays)} | {Days(p.MaximumDays)} |\n");
        }
        md.Append(CultureInfo.InvariantCulture, $"\nLegal holds: {r.ActiveLegalHolds} active, {r.ReleasedLegalHolds} released.\n\n## Recipients\n\n");
        if (r.Recipients.Count == 0)
            md.Append("None: nothing leaves the server.\n");
        foreach (var recipient in r.Recipients)
            md.Append(CultureInfo.InvariantCulture, $"- {recipient.Kind}{(recipient.Host is null ? "" : $" ({recipient.Host})")}: {recipient.Receives}\n");
        md.Append("\n## Security measures\n\n");
        foreach (var measure in r.SecurityMeasures)
            md.Append("- ").Append(measure).Append('\n');
        return md.ToString();
    }

    private static string Days(int? days) => days?.ToString(CultureInfo.InvariantCulture) ?? "none";
}
