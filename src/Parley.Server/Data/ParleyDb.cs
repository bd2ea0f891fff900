using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.AuditLog;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Organizations;
using Parley.Server.Features.Records;

namespace Parley.Server.Data;

/// <summary>The whole model. Provider differences live only in the two subclasses below.</summary>
public abstract class ParleyDb(DbContextOptions options) : DbContext(options)
{
    public DbSet<Organization> Organizations => Set<Organization>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Invite> Invites => Set<Invite>();
    public DbSet<Session> Sessions => Set<Session>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<ConversationMember> ConversationMembers => Set<ConversationMember>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<Mention> Mentions => Set<Mention>();
    public DbSet<Reaction> Reactions => Set<Reaction>();
    public DbSet<StoredFile> Files => Set<StoredFile>();
    public DbSet<RecordEntry> RecordEntries => Set<RecordEntry>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<RecordLog> RecordLogs => Set<RecordLog>();
    public DbSet<LogTile> LogTiles => Set<LogTile>();
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();
    public DbSet<SignedCheckpoint> Checkpoints => Set<SignedCheckpoint>();
    public DbSet<CheckpointPublication> CheckpointPublications => Set<CheckpointPublication>();
    public DbSet<Features.TwoFactor.TwoFactorSecret> TwoFactorSecrets => Set<Features.TwoFactor.TwoFactorSecret>();
    public DbSet<Features.TwoFactor.RecoveryCode> RecoveryCodes => Set<Features.TwoFactor.RecoveryCode>();
    public DbSet<Features.TwoFactor.SignInChallenge> SignInChallenges => Set<Features.TwoFactor.SignInChallenge>();
    public DbSet<Features.Compliance.RetentionPolicy> RetentionPolicies => Set<Features.Compliance.RetentionPolicy>();
    public DbSet<Features.Compliance.LegalHold> LegalHolds => Set<Features.Compliance.LegalHold>();
    public DbSet<Features.Compliance.ComplianceSettings> ComplianceSettings => Set<Features.Compliance.ComplianceSettings>();
    public DbSet<Features.Compliance.Discovery.DiscoveryExport> DiscoveryExports => Set<Features.Compliance.Discovery.DiscoveryExport>();
    public DbSet<Features.Compliance.Gdpr.ErasureRequest> ErasureRequests => Set<Features.Compliance.Gdpr.ErasureRequest>();
    public DbSet<Features.Profiles.Avatar> Avatars => Set<Features.Profiles.Avatar>();
    public DbSet<Features.Sso.OidcProvider> OidcProviders => Set<Features.Sso.OidcProvider>();
    public DbSet<Features.Sso.OidcLink> OidcLinks => Set<Features.Sso.OidcLink>();
    public DbSet<Features.Sso.SsoTicket> SsoTickets => Set<Features.Sso.SsoTicket>();
    public DbSet<Features.Scim.ScimToken> ScimTokens => Set<Features.Scim.ScimToken>();
    public DbSet<Features.Scim.ScimIdentity> ScimIdentities => Set<Features.Scim.ScimIdentity>();
    public DbSet<Features.Scim.ScimGroup> ScimGroups => Set<Features.Scim.ScimGroup>();
    public DbSet<Features.Scim.ScimGroupMember> ScimGroupMembers => Set<Features.Scim.ScimGroupMember>();
    public DbSet<Features.DirectorySync.DirectorySettings> DirectorySettings => Set<Features.DirectorySync.DirectorySettings>();
    public DbSet<Features.DirectorySync.DirectoryLink> DirectoryLinks => Set<Features.DirectorySync.DirectoryLink>();
    public DbSet<Features.DirectorySync.DirectoryGrant> DirectoryGrants => Set<Features.DirectorySync.DirectoryGrant>();
    public DbSet<Features.DirectorySync.DirectorySyncRun> DirectorySyncRuns => Set<Features.DirectorySync.DirectorySyncRun>();
    public DbSet<Features.Notifications.PushSubscription> PushSubscriptions => Set<Features.Notifications.PushSubscription>();
    public DbSet<Features.Notifications.VapidKey> VapidKeys => Set<Features.Notifications.VapidKey>();
    public DbSet<Features.Governance.Unit> Units => Set<Features.Governance.Unit>();
    public DbSet<Features.Governance.Placement> Placements => Set<Features.Governance.Placement>();
    public DbSet<Features.Governance.OrganizationPolicies> OrganizationPolicies => Set<Features.Governance.OrganizationPolicies>();

    /// <summary>Begins a transaction that writes. Use this, not Database.BeginTransactionAsync: SQLite queues writers.</summary>
    public virtual Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct) => Database.BeginTransactionAsync(ct);

    /// <summary>
    /// Inside a write: holds the organization's row against changes until the transaction ends, so that what a change of
    /// legal holds or retention policies commits meanwhile (each takes that row first, through its audit event) is either
    /// seen by this transaction or waits for it. SQLite has one writer at a time: nothing to hold.
    /// </summary>
    public virtual Task HoldOrganizationAsync(Guid organizationId, CancellationToken ct) => Task.CompletedTask;

    protected override void OnModelCreating(ModelBuilder model) =>
        model.ApplyConfigurationsFromAssembly(typeof(ParleyDb).Assembly);
}

/// <remarks>Contexts are pooled (see <see cref="DatabaseSetup"/>): no state of a request may outlive it here.</remarks>
public sealed class SqliteParleyDb(DbContextOptions<SqliteParleyDb> options) : ParleyDb(options)
{
    private SqliteWriteGate? _gate;   // the server's, the same for every use of this pooled instance

    private SqliteWriteGate Gate => _gate ??=
        this.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?.GetService<SqliteWriteGate>()
        ?? throw new InvalidOperationException("SqliteWriteGate is not registered; writes go through AddParleyDatabase.");

    /// <summary>
    /// Joins the write group of <see cref="SqliteWriteGate"/>: for the transaction's length this context works on the
    /// gate's connection, inside its own savepoint; it gets its own connection back when the transaction ends.
    /// </summary>
    public override async Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct)
    {
        var own = Database.GetConnectionString()!;
        var writer = await Gate.EnterAsync(own, ct);
        try
        {
            writer.Begin();
            Database.SetDbConnection(writer.Batch.Connection, contextOwnsConnection: false);
            await Database.UseTransactionAsync(writer.Batch.Transaction, ct);
            return new GroupTransaction(this, writer, own);
        }
        catch
        {
            Detach(own);
            await writer.DiscardAsync();
            throw;
        }
    }

    private void Detach(string own)
    {
        Database.UseTransaction(null);
        Database.SetDbConnection(null, contextOwnsConnection: true);
        Database.SetConnectionString(own);
    }

    /// <summary>A save outside a write transaction is a write transaction of its own: it joins a group too.</summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct = default)
    {
        if (Database.CurrentTransaction is not null || !ChangeTracker.HasChanges())
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
        await using var tx = await BeginWriteAsync(ct);
        var saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
        await tx.CommitAsync(ct);
        return saved;
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        throw new NotSupportedException("Use SaveChangesAsync: SQLite writes join a group commit.");

    /// <summary>Committing returns once the group is on disk; ending without a commit undoes this writer's part only.</summary>
    private sealed class GroupTransaction(SqliteParleyDb db, SqliteWriteGate.Writer writer, string own) : IDbContextTransaction
    {
        private bool _ended;

        public Guid TransactionId { get; } = Guid.NewGuid();

        public async Task CommitAsync(CancellationToken ct = default)
        {
            End();
            await writer.KeepAsync();
        }

        public Task RollbackAsync(CancellationToken ct = default) => DiscardAsync().AsTask();

        public void Commit() => throw new NotSupportedException("Use CommitAsync.");
        public void Rollback() => throw new NotSupportedException("Use RollbackAsync.");
        public void Dispose() => DiscardAsync().AsTask().GetAwaiter().GetResult();
        public ValueTask DisposeAsync() => DiscardAsync();

        private async ValueTask DiscardAsync()
        {
            if (_ended)
                return;
            End();
            await writer.DiscardAsync();
        }

        private void End()
        {
            if (_ended)
                throw new InvalidOperationException("This transaction already ended.");
            _ended = true;
            db.Detach(own);
        }
    }

    // SQLite can neither compare nor sort DateTimeOffset: store it as a sortable 64-bit integer.
    protected override void ConfigureConventions(ModelConfigurationBuilder conventions) =>
        conventions.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
}

public sealed class PostgresParleyDb(DbContextOptions<PostgresParleyDb> options) : ParleyDb(options)
{
    public override Task HoldOrganizationAsync(Guid organizationId, CancellationToken ct) =>
        Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM \"Organizations\" WHERE \"Id\" = {organizationId} FOR SHARE", ct);
}
