using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ErasureRequests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ErasureRequests",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestedBy = table.Column<Guid>(type: "TEXT", nullable: false),
                    Repeated = table.Column<bool>(type: "INTEGER", nullable: false),
                    RequestedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    LeasedUntil = table.Column<long>(type: "INTEGER", nullable: true),
                    MessagesDone = table.Column<int>(type: "INTEGER", nullable: false),
                    MessagesTotal = table.Column<int>(type: "INTEGER", nullable: true),
                    MessagesErased = table.Column<int>(type: "INTEGER", nullable: false),
                    FilesErased = table.Column<int>(type: "INTEGER", nullable: false),
                    CompletedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Report = table.Column<string>(type: "TEXT", nullable: true),
                    Error = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Version = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ErasureRequests", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ErasureRequests_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ErasureRequests_OrganizationId_UserId",
                table: "ErasureRequests",
                columns: new[] { "OrganizationId", "UserId" });

            migrationBuilder.CreateIndex(
                name: "IX_ErasureRequests_State_LeasedUntil",
                table: "ErasureRequests",
                columns: new[] { "State", "LeasedUntil" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ErasureRequests");
        }
    }
}
