using Parley.Server.Features.Organizations;
using Parley.Server.Platform;

namespace Parley.Server.Features.Profiles;

public static class ProfileEndpoints
{
    public static void MapProfileEndpoints(this RouteGroupBuilder api)
    {
        var me = api.MapGroup("/me").WithTags("Profiles");
        me.MapGet("/profile", GetProfile.HandleAsync)
            .WithSummary("Get your profile");
        me.MapPatch("/profile", EditProfile.HandleAsync)
            .WithSummary("Edit your profile")
            .WithDescription("Display name, title, pronouns and time zone (an IANA name such as `Europe/Paris`). Only the fields sent " +
                "change; an empty string clears a title, pronouns or time zone. A change of name is audited.")
            .WithProblems(400);
        me.MapPut("/status", SetStatus.HandleAsync)
            .WithSummary("Set your custom status")
            .WithDescription("A text, an emoji or both, shown beside your presence until `expiresAt` (or until cleared).")
            .WithProblems(400);
        me.MapDelete("/status", ClearStatus.HandleAsync)
            .WithSummary("Clear your custom status");
        // The body is the picture itself (any image content type): no Accepts<>, so other types reach the handler, which
        // answers 415 itself when the bytes are not a PNG, JPEG or WebP picture.
        me.MapPut("/avatar", SetAvatar.HandleAsync).DisableAntiforgery()
            .WithSummary("Upload your avatar")
            .WithDescription($"The picture as the request body: PNG, JPEG or WebP, at most {AvatarImage.MaxBytes / (1024 * 1024)} MB and " +
                $"{AvatarImage.MaxSide} × {AvatarImage.MaxSide} pixels. `x`, `y` and `size` choose the square to keep, in the " +
                $"picture's pixels (default: the centred square). It is stored re-encoded as a {AvatarImage.Size}-pixel WebP square.")
            .WithProblems(400, 413, 415, 422);
        me.MapDelete("/avatar", RemoveAvatar.HandleAsync)
            .WithSummary("Remove your avatar");
        api.MapGet("/users/{userId:guid}/avatar", GetAvatar.HandleAsync).WithTags("Profiles")
            .WithSummary("Get someone's avatar")
            .WithDescription("A WebP square, to the people of the same organization who may see that person; 404 otherwise, and " +
                "when they have none.");

        var org = api.MapGroup("/organization/default-channels").WithTags("Organization");
        org.MapGet("/", GetDefaultChannels.HandleAsync)
            .WithSummary("List the default channels")
            .WithDescription("Public channels that every new member joins when their account is created.");
        org.MapPut("/", SetDefaultChannels.HandleAsync)
            .WithSummary("Set the default channels")
            .WithDescription($"Admins only; audited. Replaces the list (at most {SetDefaultChannels.MaxChannels}) with public channels " +
                "that are not archived. People who already have an account are not added.")
            .WithProblems(403, 422);
    }
}
