using Microsoft.EntityFrameworkCore;
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

    /// <summary>Begins a transaction that writes. Use this, not Database.BeginTransactionAsync: SQLite queues writers.</summary>
    public virtual Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct) => Database.BeginTransactionAsync(ct);

    protected override void OnModelCreating(ModelBuilder model) =>
        model.ApplyConfigurationsFromAssembly(typeof(ParleyDb).Assembly);
}

/// <remarks>Contexts are pooled (see <see cref="DatabaseSetup"/>): no state of a request may outlive it here.</remarks>
public sealed class SqliteParleyDb(DbContextOptions<SqliteParleyDb> options) : ParleyDb(options)
{
    private SqliteWriteGate? _gate;   // the same for every use of this pooled instance: it depends on the connection string only

    private SqliteWriteGate Gate => _gate ??= SqliteWriteGate.For(Database.GetConnectionString()!);

    public override async Task<IDbContextTransaction> BeginWriteAsync(CancellationToken ct)
    {
        var exit = await Gate.EnterAsync(ct);
        try
        {
            return new SqliteWriteGate.Transaction(await Database.BeginTransactionAsync(ct), exit);
        }
        catch
        {
            exit.Dispose();
            throw;
        }
    }

    /// <summary>A save outside a write transaction is a write transaction of its own: it queues too.</summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken ct = default)
    {
        if (Database.CurrentTransaction is not null || !ChangeTracker.HasChanges())
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
        using var exit = await Gate.EnterAsync(ct);
        return await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
    }

    // SQLite can neither compare nor sort DateTimeOffset: store it as a sortable 64-bit integer.
    protected override void ConfigureConventions(ModelConfigurationBuilder conventions) =>
        conventions.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
}

public sealed class PostgresParleyDb(DbContextOptions<PostgresParleyDb> options) : ParleyDb(options);
