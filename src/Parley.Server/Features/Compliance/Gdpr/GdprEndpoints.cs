using Parley.Server.Platform;

namespace Parley.Server.Features.Compliance.Gdpr;

public static class GdprEndpoints
{
    /// <summary>Erasure requests' options (<c>Parley:Erasure</c>) and their background worker.</summary>
    public static IServiceCollection AddGdpr(this IServiceCollection services)
    {
        services.AddOptions<ErasureOptions>().BindConfiguration(ErasureOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ErasureWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ErasureWorker>());
        return services;
    }

    public static void MapGdprEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/me/personal-data", ExportPersonalData.MineAsync).WithTags("Compliance")
            .WithSummary("Your personal data, as a ZIP archive (GDPR access and portability)")
            .WithDescription("Profile, devices and sessions, every version of every message you sent, the files you uploaded, the conversations you were in with what you could see while a member, and the audit entries about you. Layout: docs/compliance.md.");
        var people = api.MapGroup("/compliance/people/{userId:guid}").WithTags("Compliance");
        people.MapGet("/personal-data", ExportPersonalData.ForPersonAsync)
            .WithSummary("A person's personal data, as a ZIP archive (compliance officers, admins, owners)").WithProblems(403, 404);
        people.MapPost("/erasure", ErasePersonalData.HandleAsync)
            .WithSummary("Erase a person's personal data (GDPR art. 17), except what a legal hold or a retention minimum keeps")
            .WithDescription("Pseudonymises the person, deactivates the account and ends their sessions at once; then, in the background, erases their messages and files and the personal data of the audit entries about them. " +
                "Answers 202 with the request, to follow at its Location; its report says what was erased, and what was kept and why (kept messages are hidden from members). Asking again while a request is under way answers that request; asking after says it was done, and erases what is no longer kept.")
            .WithProblems(403, 404, 422);
        api.MapGet("/compliance/erasures/{requestId:guid}", ErasePersonalData.GetAsync).WithTags("Compliance")
            .WithSummary("An erasure request and how far it got, with its report once done (compliance officers, admins, owners)").WithProblems(403, 404);
        api.MapGet("/compliance/processing-record", ReadProcessingRecord.HandleAsync).WithTags("Compliance")
            .WithSummary("The record of processing activities (GDPR art. 30), as JSON or, with ?format=md, Markdown").WithProblems(400, 403);
    }
}
