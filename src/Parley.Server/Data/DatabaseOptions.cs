using System.ComponentModel.DataAnnotations;

namespace Parley.Server.Data;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>Where Parley keeps its data. Section "Parley:Database".</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Parley:Database";

    /// <summary>Sqlite (default, one file in the data directory) or Postgres.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Connection string. Empty with SQLite means <c>parley.db</c> in the data directory.</summary>
    public string? ConnectionString { get; set; }
}

/// <summary>Where Parley keeps its files. Set with <c>Parley__DataDirectory</c>; default <c>./data</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Parley";

    [Required]
    public string DataDirectory { get; set; } = "data";

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
}
