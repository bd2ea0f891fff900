using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Parley.IntegrationTests.Infrastructure;

/// <summary>
/// Counts the SQL commands the server runs for requests that carry <see cref="Header"/>, by its value. Hot paths get a
/// query budget, so an N+1 or a per-member query fails a test instead of a customer's server. The token's session
/// lookup is not counted: the session cache answers it or not depending on what other tests just invalidated.
/// </summary>
public sealed class QueryCounter(IHttpContextAccessor http) : DbCommandInterceptor
{
    public const string Header = "X-Test-Query-Count";
    private static readonly ConcurrentDictionary<string, int> Counts = new();

    public static int For(string key) => Counts.GetValueOrDefault(key);

    private void Count(DbCommand command)
    {
        if (command.CommandText.Contains("\"Sessions\"", StringComparison.Ordinal))
            return;
        if (http.HttpContext?.Request.Headers[Header] is [{ Length: > 0 } key])
            Counts.AddOrUpdate(key, 1, (_, n) => n + 1);
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken ct = default)
    {
        Count(command);
        return base.ReaderExecutingAsync(command, eventData, result, ct);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<int> result, CancellationToken ct = default)
    {
        Count(command);
        return base.NonQueryExecutingAsync(command, eventData, result, ct);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<object> result, CancellationToken ct = default)
    {
        Count(command);
        return base.ScalarExecutingAsync(command, eventData, result, ct);
    }
}
