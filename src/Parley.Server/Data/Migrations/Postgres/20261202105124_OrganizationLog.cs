using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Parley.Server.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class OrganizationLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Data",
                table: "RecordEntries",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LeafIndex",
                table: "RecordEntries",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "RecordEntries",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<string>(
                name: "Commitment",
                table: "AuditEvents",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "LeafIndex",
                table: "AuditEvents",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Salt",
                table: "AuditEvents",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "AuditEvents",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.CreateTable(
                name: "Checkpoints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    Root = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Note = table.Column<string>(type: "text", nullable: false),
                    KeyId = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Checkpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LogTiles",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Level = table.Column<int>(type: "integer", nullable: false),
                    Index = table.Column<long>(type: "bigint", nullable: false),
                    Hashes = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LogTiles", x => new { x.OrganizationId, x.Level, x.Index });
                });

            migrationBuilder.CreateTable(
                name: "RecordLogs",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Size = table.Column<long>(type: "bigint", nullable: false),
                    Root = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecordLogs", x => x.OrganizationId);
                    table.ForeignKey(
                        name: "FK_RecordLogs_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SigningKeys",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    KeyId = table.Column<long>(type: "bigint", nullable: false),
                    PublicKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    VerifierKey = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    ProtectedSeed = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RetiredAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SigningKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "CheckpointPublications",
                columns: table => new
                {
                    CheckpointId = table.Column<long>(type: "bigint", nullable: false),
                    Witness = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Token = table.Column<byte[]>(type: "bytea", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CheckpointPublications", x => new { x.CheckpointId, x.Witness });
                    table.ForeignKey(
                        name: "FK_CheckpointPublications_Checkpoints_CheckpointId",
                        column: x => x.CheckpointId,
                        principalTable: "Checkpoints",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RecordEntries_OrganizationId_LeafIndex",
                table: "RecordEntries",
                columns: new[] { "OrganizationId", "LeafIndex" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_OrganizationId_LeafIndex",
                table: "AuditEvents",
                columns: new[] { "OrganizationId", "LeafIndex" });

            migrationBuilder.CreateIndex(
                name: "IX_Checkpoints_OrganizationId_Size",
                table: "Checkpoints",
                columns: new[] { "OrganizationId", "Size" });

            migrationBuilder.CreateIndex(
                name: "IX_SigningKeys_OrganizationId_KeyId",
                table: "SigningKeys",
                columns: new[] { "OrganizationId", "KeyId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CheckpointPublications");

            migrationBuilder.DropTable(
                name: "LogTiles");

            migrationBuilder.DropTable(
                name: "RecordLogs");

            migrationBuilder.DropTable(
                name: "SigningKeys");

            migrationBuilder.DropTable(
                name: "Checkpoints");

            migrationBuilder.DropIndex(
                name: "IX_RecordEntries_OrganizationId_LeafIndex",
                table: "RecordEntries");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_OrganizationId_LeafIndex",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "Data",
                table: "RecordEntries");

            migrationBuilder.DropColumn(
                name: "LeafIndex",
                table: "RecordEntries");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "RecordEntries");

            migrationBuilder.DropColumn(
                name: "Commitment",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "LeafIndex",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "Salt",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "AuditEvents");
        }
    }
}
