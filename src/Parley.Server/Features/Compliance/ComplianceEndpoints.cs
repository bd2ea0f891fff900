using Microsoft.Extensions.Options;
using Parley.Server.Features.Compliance.Discovery;
using Parley.Server.Platform;

namespace Parley.Server.Features.Compliance;

public static class ComplianceEndpoints
{
    public static void MapComplianceEndpoints(this RouteGroupBuilder api)
    {
        Gdpr.GdprEndpoints.MapGdprEndpoints(api);
        var compliance = api.MapGroup("/compliance").WithTags("Compliance");
        var policies = compliance.MapGroup("/retention/policies");
        policies.MapGet("/", ListRetentionPolicies.HandleAsync)
            .WithSummary("The organization's retention policies")
            .WithDescription("Compliance officers, admins and owners. The most specific policy applies: conversation, then kind, then organization.")
            .WithProblems(403);
        policies.MapPut("/organization", SetRetentionPolicy.ForOrganizationAsync)
            .WithSummary("Set the organization's default retention policy").WithProblems(400, 403);
        policies.MapDelete("/organization", SetRetentionPolicy.RemoveForOrganizationAsync)
            .WithSummary("Remove the organization's default retention policy").WithProblems(403, 404);
        policies.MapPut("/kinds/{kind}", SetRetentionPolicy.ForKindAsync)
            .WithSummary("Set the retention policy of a kind of conversation (public, private, direct, group)").WithProblems(400, 403);
        policies.MapDelete("/kinds/{kind}", SetRetentionPolicy.RemoveForKindAsync)
            .WithSummary("Remove the retention policy of a kind of conversation").WithProblems(400, 403, 404);
        policies.MapPut("/conversations/{conversationId:long}", SetRetentionPolicy.ForConversationAsync)
            .WithSummary("Set one conversation's retention policy").WithProblems(400, 403, 404);
        policies.MapDelete("/conversations/{conversationId:long}", SetRetentionPolicy.RemoveForConversationAsync)
            .WithSummary("Remove one conversation's retention policy").WithProblems(403, 404);
        compliance.MapGet("/retention/dry-run", RetentionDryRun.HandleAsync)
            .WithSummary("What the next purge would erase, changing nothing")
            .WithDescription("Counts per conversation and the first `limit` messages of each (default 20, at most 1000).")
            .WithProblems(400, 403);
        compliance.MapPost("/retention/purge", RunPurge.HandleAsync)
            .WithSummary("Run the retention purge now for the organization, and say what it erased")
            .WithProblems(403);
        var holds = compliance.MapGroup("/holds");
        holds.MapGet("/", ReadLegalHolds.ListAsync).WithSummary("The organization's legal holds, released ones included").WithProblems(403);
        holds.MapPost("/", CreateLegalHold.HandleAsync)
            .WithSummary("Place a legal hold")
            .WithDescription("Custodians, conversations, a date range [from, to) and words: a message is held when it matches every criterion given.")
            .WithProblems(400, 403);
        holds.MapGet("/{holdId:guid}", ReadLegalHolds.GetAsync).WithSummary("One legal hold").WithProblems(403, 404);
        holds.MapPost("/{holdId:guid}/release", ReleaseLegalHold.RequestAsync)
            .WithSummary("Release a legal hold, or ask for its release where a second approver is required")
            .WithProblems(403, 404, 409);
        holds.MapPost("/{holdId:guid}/approve-release", ReleaseLegalHold.ApproveAsync)
            .WithSummary("Approve a release another compliance officer or admin asked for")
            .WithProblems(403, 404, 409);
        compliance.MapGet("/conversations", ListComplianceConversations.HandleAsync)
            .WithSummary("Every conversation of the organization, by name and members, to scope policies and holds")
            .WithDescription("Compliance officers, admins and owners. No content: that is read through the record.")
            .WithProblems(403);
        compliance.MapGet("/settings", ComplianceSettingsOperations.GetAsync).WithSummary("The organization's compliance settings").WithProblems(403);
        compliance.MapPut("/settings", ComplianceSettingsOperations.SetAsync)
            .WithSummary("Change the organization's compliance settings (admins and owners)").WithProblems(403);
        compliance.MapDiscoveryEndpoints();
    }

    /// <summary>Retention's options and its background purge (<c>Parley:Retention</c>), discovery exports and erasure requests.</summary>
    public static IServiceCollection AddParleyCompliance(this IServiceCollection services)
    {
        services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RetentionPurge>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionPurge>());
        services.AddDiscovery();
        Gdpr.GdprEndpoints.AddGdpr(services);
        return services;
    }
}
