using Microsoft.Data.Sqlite;
using Npgsql;

namespace Parley.Server.Data;

public static class DatabaseFailures
{
    /// <summary>
    /// A failure that the same request, sent again, gets past: PostgreSQL chose the transaction as a deadlock's victim
    /// (40P01) or could not serialize it (40001), or SQLite found the database locked by another process (busy, locked).
    /// With the server's one lock order (docs/architecture.md) a deadlock means a path broke that order: the answer is
    /// 503 with Retry-After, and a warning in the log.
    /// </summary>
    public static bool IsTransientConflict(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure }
                or SqliteException { SqliteErrorCode: 5 or 6 })      // SQLITE_BUSY, SQLITE_LOCKED
                return true;
        return false;
    }
}
