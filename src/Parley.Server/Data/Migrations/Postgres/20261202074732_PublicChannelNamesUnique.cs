using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Server.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PublicChannelNamesUnique : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Conversations_OrganizationId_NormalizedName",
                table: "Conversations");

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_OrganizationId_NormalizedName",
                table: "Conversations",
                columns: new[] { "OrganizationId", "NormalizedName" },
                unique: true,
                filter: "\"Kind\" = 1");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Conversations_OrganizationId_NormalizedName",
                table: "Conversations");

            migrationBuilder.CreateIndex(
                name: "IX_Conversations_OrganizationId_NormalizedName",
                table: "Conversations",
                columns: new[] { "OrganizationId", "NormalizedName" },
                unique: true);
        }
    }
}
