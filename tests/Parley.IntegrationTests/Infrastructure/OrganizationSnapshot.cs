using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Parley.Server.Data;
using Parley.Server.Features.Organizations;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>
/// Every stored row of one organization, every column, read straight from the database: two snapshots that are equal
/// prove that nothing of that organization changed in between. Tables are found in the model, so a new table is in the
/// snapshot without anyone adding it here. A row belongs to the organization through its <c>OrganizationId</c>, or else
/// through the organization's messages, conversations or users (reactions and mentions have no organization column).
/// </summary>
public sealed class OrganizationSnapshot
{
    private static readonly string[] ScopeColumns = ["OrganizationId", "MessageId", "ConversationId", "UserId", "CheckpointId"];

    /// <summary>Tables of the whole deployment, which belong to no organization (the VAPID key pair).</summary>
    private static readonly Type[] DeploymentWide = [typeof(Parley.Server.Features.Notifications.VapidKey)];

    private OrganizationSnapshot(IReadOnlyList<string> rows) => Rows = rows;

    /// <summary>One line per row: table, then each column's value, in a stable order.</summary>
    public IReadOnlyList<string> Rows { get; }

    /// <summary>
    /// Takes every entry written so far into the organization's log first: the log's own bookkeeping (leaf numbers, tiles)
    /// moves in the background, and is not a change anyone made.
    /// </summary>
    public static async Task<OrganizationSnapshot> TakeAsync(ParleyApp app, Guid organizationId)
    {
        await app.Services.GetRequiredService<Parley.Server.Features.Records.RecordSequencer>().SequenceAsync(organizationId, CancellationToken.None);
        return await app.WithDbAsync(db => TakeAsync(db, organizationId));
    }

    private static async Task<OrganizationSnapshot> TakeAsync(ParleyDb db, Guid organizationId)
    {
        var scope = new Dictionary<string, object[]>
        {
            ["OrganizationId"] = [organizationId],
            ["MessageId"] = (await db.Messages.Where(m => m.OrganizationId == organizationId).Select(m => m.Id).ToListAsync()).Cast<object>().ToArray(),
            ["ConversationId"] = (await db.Conversations.Where(c => c.OrganizationId == organizationId).Select(c => c.Id).ToListAsync()).Cast<object>().ToArray(),
            ["UserId"] = (await db.Users.Where(u => u.OrganizationId == organizationId).Select(u => u.Id).ToListAsync()).Cast<object>().ToArray(),
            ["CheckpointId"] = (await db.Checkpoints.Where(c => c.OrganizationId == organizationId).Select(c => c.Id).ToListAsync()).Cast<object>().ToArray(),
        };
        var rows = new List<string>();
        foreach (var table in db.Model.GetEntityTypes().Where(t => !t.IsOwned() && !DeploymentWide.Contains(t.ClrType)).OrderBy(t => t.ShortName()))
        {
            var column = table.ClrType == typeof(Organization) ? "Id" : ScopeColumns.FirstOrDefault(c => table.FindProperty(c) is not null)
                ?? throw new InvalidOperationException(
                    $"{table.ShortName()} has none of {string.Join(", ", ScopeColumns)}: say in {nameof(OrganizationSnapshot)} how its rows belong to an organization.");
            var values = column == "Id" ? [organizationId] : scope[column];
            var read = (Task<List<object>>)typeof(OrganizationSnapshot).GetMethod(nameof(RowsAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(table.ClrType, table.FindProperty(column)!.ClrType).Invoke(null, [db, column, values])!;
            foreach (var row in await read)
                rows.Add(Describe(db, table, row));
        }
        rows.Sort(StringComparer.Ordinal);
        return new OrganizationSnapshot(rows);
    }

    private static async Task<List<object>> RowsAsync<TEntity, TKey>(ParleyDb db, string column, object[] values) where TEntity : class
    {
        var keys = values.Cast<TKey>().ToList();
        var rows = await db.Set<TEntity>().Where(e => keys.Contains(EF.Property<TKey>(e, column))).ToListAsync();
        return [.. rows.Cast<object>()];
    }

    private static string Describe(ParleyDb db, IEntityType table, object row)
    {
        var entry = db.Entry(row);
        var columns = table.GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={Format(entry.Property(p.Name).CurrentValue)}");
        return $"{table.ShortName()}: {string.Join(", ", columns)}";
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        DateTimeOffset t => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The rows that differ, for a failure message; empty when the two snapshots are equal.</summary>
    public IReadOnlyList<string> DifferencesFrom(OrganizationSnapshot before) =>
    [
        .. before.Rows.Except(Rows).Select(r => $"- {r}"),
        .. Rows.Except(before.Rows).Select(r => $"+ {r}"),
    ];
}
