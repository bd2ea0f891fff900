using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Parley.Server.Data;

namespace Parley.Tests;

/// <summary>
/// Which failures mean "no room left to write". The integration tests fill a real file system under SQLite and
/// PostgreSQL; these cover the codes a tmpfs does not produce (quotas, other I/O errors, Windows).
/// </summary>
public class StorageFullTests
{
    public static TheoryData<Exception, StorageArea> Full => new()
    {
        { new SqliteException("database or disk is full", 13, 13), StorageArea.Database },
        { new SqliteException("disk I/O error", 10, 10 | (3 << 8)), StorageArea.Database },      // SQLITE_IOERR_WRITE
        { new SqliteException("disk I/O error", 10, 10 | (4 << 8)), StorageArea.Database },      // SQLITE_IOERR_FSYNC
        { new SqliteException("disk I/O error", 10, 10 | (19 << 8)), StorageArea.Database },     // SQLITE_IOERR_SHMSIZE
        { new DbUpdateException("saving failed", new SqliteException("database or disk is full", 13, 13)), StorageArea.Database },
        { new InvalidOperationException("transient", new DbUpdateException("saving failed",
            new PostgresException("could not extend file", "ERROR", "ERROR", PostgresErrorCodes.DiskFull))), StorageArea.Database },
        { new PostgresException("could not write init file", "FATAL", "FATAL", PostgresErrorCodes.InternalError), StorageArea.Database },
        { new IOException("No space left on device", 28), StorageArea.Files },                     // ENOSPC
        { new IOException("Disk quota exceeded", 122), StorageArea.Files },                        // EDQUOT
        { new IOException("There is not enough space on the disk.", unchecked((int)0x80070070)), StorageArea.Files },
        { new AggregateException(new IOException("No space left on device", 28)), StorageArea.Files },
    };

    public static TheoryData<Exception> NotFull => new()
    {
        new SqliteException("UNIQUE constraint failed", 19, 19 | (8 << 8)),
        new SqliteException("disk I/O error", 10, 10 | (1 << 8)),                                  // SQLITE_IOERR_READ
        new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation),
        new PostgresException("cache lookup failed", "ERROR", "ERROR", PostgresErrorCodes.InternalError),
        new IOException("Permission denied", 13),
        new InvalidOperationException("something else"),
    };

    [Theory]
    [MemberData(nameof(Full))]
    public void A_failure_for_lack_of_space_is_recognized_with_its_area(Exception failure, StorageArea expected)
    {
        Assert.True(StorageFull.Is(failure, out var area));
        Assert.Equal(expected, area);
    }

    [Theory]
    [MemberData(nameof(NotFull))]
    public void Other_failures_are_not_taken_for_a_full_disk(Exception failure) =>
        Assert.False(StorageFull.Is(failure, out _));
}
