using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Server.Data.Migrations.Sqlite
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
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LeafIndex",
                table: "RecordEntries",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "RecordEntries",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<string>(
                name: "Commitment",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "LeafIndex",
                table: "AuditEvents",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Salt",
                table: "AuditEvents",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "AuditEvents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.CreateTable(
                name: "Checkpoints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    Root = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Note = table.Column<string>(type: "TEXT", nullable: false),
                    KeyId = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Checkpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "LogTiles",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Level = table.Column<int>(type: "INTEGER", nullable: false),
                    Index = table.Column<long>(type: "INTEGER", nullable: false),
                    Hashes = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_LogTiles", x => new { x.OrganizationId, x.Level, x.Index });
                });

            migrationBuilder.CreateTable(
                name: "RecordLogs",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Size = table.Column<long>(type: "INTEGER", nullable: false),
                    Root = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    KeyId = table.Column<long>(type: "INTEGER", nullable: false),
                    PublicKey = table.Column<byte[]>(type: "BLOB", nullable: false),
                    VerifierKey = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    ProtectedSeed = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RetiredAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SigningKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "CheckpointPublications",
                columns: table => new
                {
                    CheckpointId = table.Column<long>(type: "INTEGER", nullable: false),
                    Witness = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Token = table.Column<byte[]>(type: "BLOB", nullable: true)
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
