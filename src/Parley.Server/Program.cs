using Parley.Server.Features.Governance;
using Parley.Server.Data;
using Parley.Server.Features.Accounts;
using Parley.Server.Features.Compliance;
using Parley.Server.Features.Conversations;
using Parley.Server.Features.DirectorySync;
using Parley.Server.Features.Files;
using Parley.Server.Features.Messages;
using Parley.Server.Features.Notifications;
using Parley.Server.Features.Organizations;
using Parley.Server.Features.Profiles;
using Parley.Server.Features.Records;
using Parley.Server.Features.Sso;
using Parley.Server.Features.Scim;
using Parley.Server.Features.Search;
using Parley.Server.Features.TwoFactor;
using Parley.Server.Platform;
using Parley.Server.Realtime;
using Scalar.AspNetCore;

// `admin COMMAND …` runs an operator's command (backup, restore, …) on this same configuration and these services.
var (hostArgs, adminCommand) = AdminCommands.Split(args);
var builder = WebApplication.CreateBuilder(hostArgs);
if (adminCommand is not null)
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
if (builder.Configuration["urls"] is null && builder.Configuration["ASPNETCORE_URLS"] is null && builder.Configuration["Kestrel:Endpoints:Http:Url"] is null)
    builder.WebHost.UseUrls("http://localhost:5080");

builder.Services.AddParleyProblems();
builder.Services.AddValidation();
builder.Services.AddUserTextPolicy();
builder.Services.AddParleyOpenApi();
builder.Services.AddSingleton<TimeProvider>(new MillisecondClock(TimeProvider.System));
builder.Services.AddParleyDatabase();
builder.Services.AddParleyAuth();
builder.Services.AddParleyRateLimits();
builder.Services.AddParleyNetwork();
builder.Services.AddRealtime();
builder.Services.AddParleyFeatures();
builder.Services.AddParleyRecord();
builder.Services.AddParleyCompliance();
builder.Services.AddDirectorySync();
builder.Services.AddParleySso();
builder.Services.AddNotifications();

var app = builder.Build();
if (adminCommand is not null)
    return await AdminCommands.RunAsync(app.Services, adminCommand, Console.Out, Console.Error, CancellationToken.None);

app.UseForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseWebClient();
app.UseAuthentication();
app.UseAuthorization();
app.UseEnrolmentGate();
app.UseRateLimiter();

var api = app.MapGroup("/api/v1").RequireAuthorization().WithUserTextPolicy();
api.MapOrganizationEndpoints();
api.MapAccountEndpoints();
api.MapProfileEndpoints();
api.MapTwoFactorEndpoints();
api.MapDirectorySyncEndpoints();
api.MapSsoEndpoints();
api.MapConversationEndpoints();
api.MapMessageEndpoints();
api.MapNotificationEndpoints();
api.MapSearchEndpoints();
api.MapFileEndpoints();
api.MapRecordEndpoints();
api.MapComplianceEndpoints();
api.MapScimTokenEndpoints();
api.MapGovernanceEndpoints();
app.MapScimEndpoints();                                  // its own prefix, tokens and error format
app.MapHub<ParleyHub>("/hubs/events");
app.MapParleyHealth();
app.MapOpenApi();
app.MapScalarApiReference("/docs");

app.Run();
return 0;

public partial class Program;
