namespace Parley.Server.Features.Search;

/// <summary>
/// The full-text index of messages, one row per message with its text and the names of its files, kept by triggers in
/// the transaction that changes a message or a file (a send, an edit, a deletion, an erasure, a purge), so the index
/// can never lag behind or hold text that was erased. The SQL lives here, used by the migration that creates the index
/// and by <see cref="SearchIndex.RebuildAsync"/>.
/// </summary>
/// <remarks>
/// SQLite: an FTS5 table, words folded to lower case without accents (unicode61 remove_diacritics 2) and stemmed by the
/// Porter stemmer (English). PostgreSQL: a tsvector per message holding both the English and the French stems of each
/// word, accents removed first (unaccent), under a GIN index.
/// </remarks>
public static class SearchIndexSql
{
    private const string SqliteFileNames =
        "coalesce((SELECT group_concat(f.\"FileName\", ' ') FROM \"Files\" f WHERE f.\"MessageId\" = {0} AND f.\"ErasedAt\" IS NULL), '')";

    private static string SqliteRefreshFiles(string id) =>
        $"UPDATE \"MessageSearch\" SET \"Files\" = {string.Format(System.Globalization.CultureInfo.InvariantCulture, SqliteFileNames, id)} WHERE rowid = {id};";

    public static readonly string SqliteFill =
        "INSERT INTO \"MessageSearch\"(rowid, \"Body\", \"Files\") SELECT m.\"Id\", m.\"Content\", "
        + string.Format(System.Globalization.CultureInfo.InvariantCulture, SqliteFileNames, "m.\"Id\"") + " FROM \"Messages\" m;";

    public static readonly string[] SqliteUp =
    [
        "CREATE VIRTUAL TABLE \"MessageSearch\" USING fts5(\"Body\", \"Files\", tokenize = 'porter unicode61 remove_diacritics 2');",
        SqliteFill,
        """
        CREATE TRIGGER "MessageSearch_MessageInserted" AFTER INSERT ON "Messages" BEGIN
            INSERT INTO "MessageSearch"(rowid, "Body", "Files") VALUES (new."Id", new."Content", '');
        END;
        """,
        """
        CREATE TRIGGER "MessageSearch_MessageChanged" AFTER UPDATE OF "Content" ON "Messages" BEGIN
            UPDATE "MessageSearch" SET "Body" = new."Content" WHERE rowid = new."Id";
        END;
        """,
        """
        CREATE TRIGGER "MessageSearch_MessageDeleted" AFTER DELETE ON "Messages" BEGIN
            DELETE FROM "MessageSearch" WHERE rowid = old."Id";
        END;
        """,
        $"""
        CREATE TRIGGER "MessageSearch_FileInserted" AFTER INSERT ON "Files" WHEN new."MessageId" IS NOT NULL BEGIN
            {SqliteRefreshFiles("new.\"MessageId\"")}
        END;
        """,
        $"""
        CREATE TRIGGER "MessageSearch_FileChanged" AFTER UPDATE OF "MessageId", "FileName", "ErasedAt" ON "Files" BEGIN
            {SqliteRefreshFiles("old.\"MessageId\"")}
            {SqliteRefreshFiles("new.\"MessageId\"")}
        END;
        """,
        $"""
        CREATE TRIGGER "MessageSearch_FileDeleted" AFTER DELETE ON "Files" WHEN old."MessageId" IS NOT NULL BEGIN
            {SqliteRefreshFiles("old.\"MessageId\"")}
        END;
        """,
    ];

    public static readonly string[] SqliteDown =
    [
        "DROP TRIGGER \"MessageSearch_FileDeleted\";",
        "DROP TRIGGER \"MessageSearch_FileChanged\";",
        "DROP TRIGGER \"MessageSearch_FileInserted\";",
        "DROP TRIGGER \"MessageSearch_MessageDeleted\";",
        "DROP TRIGGER \"MessageSearch_MessageChanged\";",
        "DROP TRIGGER \"MessageSearch_MessageInserted\";",
        "DROP TABLE \"MessageSearch\";",
    ];

    public const string PostgresFill =
        """
        INSERT INTO "MessageSearch"("MessageId", "Document")
        SELECT m."Id", parley_search_document(m."Content", coalesce(f.names, ''))
        FROM "Messages" m
        LEFT JOIN (SELECT "MessageId", string_agg("FileName", ' ') AS names FROM "Files" WHERE "ErasedAt" IS NULL AND "MessageId" IS NOT NULL
                   GROUP BY "MessageId") f ON f."MessageId" = m."Id";
        """;

    public static readonly string[] PostgresUp =
    [
        "CREATE EXTENSION IF NOT EXISTS unaccent;",
        "CREATE TEXT SEARCH CONFIGURATION parley_english (COPY = pg_catalog.english);",
        "ALTER TEXT SEARCH CONFIGURATION parley_english ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;",
        "CREATE TEXT SEARCH CONFIGURATION parley_french (COPY = pg_catalog.french);",
        "ALTER TEXT SEARCH CONFIGURATION parley_french ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;",
        """
        CREATE FUNCTION parley_search_document(body text, files text) RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
            SELECT setweight(to_tsvector('parley_english', body) || to_tsvector('parley_french', body), 'A')
                || setweight(to_tsvector('parley_english', names) || to_tsvector('parley_french', names), 'B')
            FROM (SELECT regexp_replace(files, '[^[:alnum:]]+', ' ', 'g') AS names) n
        $$;
        """,
        """
        CREATE TABLE "MessageSearch" (
            "MessageId" bigint PRIMARY KEY REFERENCES "Messages"("Id") ON DELETE CASCADE,
            "Document" tsvector NOT NULL);
        """,
        "CREATE INDEX \"IX_MessageSearch_Document\" ON \"MessageSearch\" USING gin (\"Document\");",
        """
        CREATE FUNCTION parley_message_search_refresh(message bigint) RETURNS void LANGUAGE sql AS $$
            INSERT INTO "MessageSearch"("MessageId", "Document")
            SELECT m."Id", parley_search_document(m."Content", coalesce(
                (SELECT string_agg(f."FileName", ' ') FROM "Files" f WHERE f."MessageId" = m."Id" AND f."ErasedAt" IS NULL), ''))
            FROM "Messages" m WHERE m."Id" = message
            ON CONFLICT ("MessageId") DO UPDATE SET "Document" = excluded."Document"
        $$;
        """,
        """
        CREATE FUNCTION parley_message_search_message() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM parley_message_search_refresh(NEW."Id");
            RETURN NULL;
        END $$;
        """,
        """
        CREATE FUNCTION parley_message_search_file() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' AND OLD."MessageId" IS NOT NULL THEN
                PERFORM parley_message_search_refresh(OLD."MessageId");
            END IF;
            IF TG_OP <> 'DELETE' AND NEW."MessageId" IS NOT NULL THEN
                PERFORM parley_message_search_refresh(NEW."MessageId");
            END IF;
            RETURN NULL;
        END $$;
        """,
        PostgresFill,
        """
        CREATE TRIGGER "MessageSearch_Message" AFTER INSERT OR UPDATE OF "Content" ON "Messages"
            FOR EACH ROW EXECUTE FUNCTION parley_message_search_message();
        """,
        """
        CREATE TRIGGER "MessageSearch_File" AFTER INSERT OR DELETE OR UPDATE OF "MessageId", "FileName", "ErasedAt" ON "Files"
            FOR EACH ROW EXECUTE FUNCTION parley_message_search_file();
        """,
    ];

    public static readonly string[] PostgresDown =
    [
        "DROP TRIGGER \"MessageSearch_File\" ON \"Files\";",
        "DROP TRIGGER \"MessageSearch_Message\" ON \"Messages\";",
        "DROP FUNCTION parley_message_search_file();",
        "DROP FUNCTION parley_message_search_message();",
        "DROP FUNCTION parley_message_search_refresh(bigint);",
        "DROP TABLE \"MessageSearch\";",
        "DROP FUNCTION parley_search_document(text, text);",
        "DROP TEXT SEARCH CONFIGURATION parley_french;",
        "DROP TEXT SEARCH CONFIGURATION parley_english;",
    ];
}
