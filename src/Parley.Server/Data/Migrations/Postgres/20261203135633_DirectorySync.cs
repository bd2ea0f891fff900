using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Server.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DirectorySync : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DirectoryGrants",
                columns: table => new
                {
                    ConversationId = table.Column<long>(type: "bigint", nullable: false),
                    UserId = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DirectoryGrants", x => new { x.ConversationId, x.UserId });
                    table.ForeignKey(
                        name: "FK_DirectoryGrants_Conversations_ConversationId",
                        column: x => x.ConversationId,
                        principalTable: "Conversations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_DirectoryGrants_Users_UserId",
                        column: x => x.UserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "DirectoryLinks",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    DirectoryId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    UserId = table.Column<Guid>(type: "uuid", nullable: false),
                    LinkedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    DeactivatedBySync = table.Column<bool>(type: "boolean", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DirectoryLinks", x => new { x.OrganizationId, x.DirectoryId });
                    table.ForeignKey(
                        name: "FK_DirectoryLinks_Users_UserId",
                        column: x => x.UserId,
                        principalTable: "Users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "DirectorySettings",
                columns: table => new
                {
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    ServerUrl = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    BindDn = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    ProtectedBindPassword = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    BaseDn = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    UserFilter = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    IdAttribute = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    EmailAttribute = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    NameAttribute = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    TitleAttribute = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    GroupBaseDn = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    GroupFilter = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    GroupNameAttribute = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    GroupMemberAttribute = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Interval = table.Column<TimeSpan>(type: "interval", nullable: true),
                    NextRunAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    UpdatedBy = table.Column<Guid>(type: "uuid", nullable: false),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DirectorySettings", x => x.OrganizationId);
                    table.ForeignKey(
                        name: "FK_DirectorySettings_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "DirectorySyncRuns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    OrganizationId = table.Column<Guid>(type: "uuid", nullable: false),
                    RequestedBy = table.Column<Guid>(type: "uuid", nullable: true),
                    RequestedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    State = table.Column<int>(type: "integer", nullable: false),
                    Phase = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    EntriesRead = table.Column<int>(type: "integer", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    LeasedUntil = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    CompletedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Report = table.Column<string>(type: "text", nullable: true),
                    Error = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    Version = table.Column<Guid>(type: "uuid", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DirectorySyncRuns", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DirectorySyncRuns_Organizations_OrganizationId",
                        column: x => x.OrganizationId,
                        principalTable: "Organizations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DirectoryGrants_OrganizationId",
                table: "DirectoryGrants",
                column: "OrganizationId");

            migrationBuilder.CreateIndex(
                name: "IX_DirectoryGrants_UserId",
                table: "DirectoryGrants",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_DirectoryLinks_UserId",
                table: "DirectoryLinks",
                column: "UserId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DirectorySettings_NextRunAt",
                table: "DirectorySettings",
                column: "NextRunAt");

            migrationBuilder.CreateIndex(
                name: "IX_DirectorySyncRuns_OrganizationId_RequestedAt",
                table: "DirectorySyncRuns",
                columns: new[] { "OrganizationId", "RequestedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_DirectorySyncRuns_State_LeasedUntil",
                table: "DirectorySyncRuns",
                columns: new[] { "State", "LeasedUntil" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DirectoryGrants");

            migrationBuilder.DropTable(
                name: "DirectoryLinks");

            migrationBuilder.DropTable(
                name: "DirectorySettings");

            migrationBuilder.DropTable(
                name: "DirectorySyncRuns");
        }
    }
}
