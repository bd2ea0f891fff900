using System.Text.Json.Nodes;
using Parley.Server.Features.Accounts;

namespace Parley.Server.Features.Scim;

/// <summary>
/// What a directory may set on an account, before it is checked and written: a POST or PUT replaces it, each PATCH
/// operation changes part of it. Attributes of the core User schema and of the enterprise extension that Parley does not
/// keep (phone numbers, title, department, manager…) and extensions' attributes are accepted and ignored; any other attribute is
/// refused as 400 invalidPath.
/// </summary>
public sealed record ScimUserState
{
    public string? UserName { get; set; }
    public string? ExternalId { get; set; }
    public string? GivenName { get; set; }
    public string? FamilyName { get; set; }
    public string? FormattedName { get; set; }
    public string? DisplayName { get; set; }
    public string? Email { get; set; }
    public bool Active { get; set; } = true;

    /// <summary>Core attributes Parley accepts and does not keep (or, like id, meta and groups, never takes from a client).</summary>
    private static readonly HashSet<string> Ignored =
    [
        "id", "meta", "groups", "nickname", "profileurl", "title", "usertype", "preferredlanguage", "locale", "timezone", "password",
        "phonenumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509certificates",
    ];

    public static ScimUserState From(ScimUserRow row) => new()
    {
        UserName = row.Identity?.UserName ?? row.User.Email,
        ExternalId = row.Identity?.ExternalId,
        GivenName = row.Identity?.GivenName,
        FamilyName = row.Identity?.FamilyName,
        FormattedName = row.Identity?.FormattedName,
        DisplayName = row.User.DisplayName,
        Email = row.User.Email,
        Active = row.User.IsActive,
    };

    /// <summary>Names of the attributes that differ, for the audit entry (values stay out of it).</summary>
    public static IReadOnlyList<string> Changes(ScimUserState a, ScimUserState b) =>
    [
        .. new (string Name, bool Same)[]
        {
            ("userName", a.UserName == b.UserName), ("externalId", a.ExternalId == b.ExternalId),
            ("name", a.GivenName == b.GivenName && a.FamilyName == b.FamilyName && a.FormattedName == b.FormattedName),
            ("displayName", a.DisplayNameOrDerived() == b.DisplayNameOrDerived()), ("email", a.Email == b.Email), ("active", a.Active == b.Active),
        }.Where(x => !x.Same).Select(x => x.Name),
    ];

    /// <summary>Where extension schemas live: Entra ID sends an administrator's own ones (…:extension:custom:2.0:User) too.</summary>
    public const string ExtensionPrefix = "urn:ietf:params:scim:schemas:extension:";

    /// <summary>The schemas a User body declares: the core one, and extensions.</summary>
    public static void CheckSchemas(JsonObject body)
    {
        if (ScimJson.Get(body, "schemas") is not JsonArray schemas || !schemas.Any(s => s is JsonValue v && v.TryGetValue<string>(out var urn) && urn == ScimSchemas.User))
            throw ScimException.InvalidSyntax($"A User lists its schemas, {ScimSchemas.User} among them.");
        foreach (var schema in schemas)
            if (ScimJson.String(schema, "schemas") is not { } urn || (urn != ScimSchemas.User && !urn.StartsWith(ExtensionPrefix, StringComparison.Ordinal)))
                throw ScimException.InvalidSyntax($"Parley knows the schema {ScimSchemas.User} and its extensions for Users only.");
    }

    /// <summary>POST and PUT: the body is the whole resource; what it leaves out is cleared (the email is kept).</summary>
    public void Replace(JsonObject body)
    {
        UserName = null;
        ExternalId = GivenName = FamilyName = FormattedName = DisplayName = null;
        Active = true;
        foreach (var (key, value) in body)
            if (value is not null && !string.Equals(key, "schemas", StringComparison.OrdinalIgnoreCase))   // null: left out
            {
                try
                {
                    Set(key, value, ScimOp.Replace);
                }
                catch (ScimException e) when (e.ScimType == "invalidPath")
                {
                    throw ScimException.InvalidSyntax($"'{key}' is not an attribute of a User that Parley knows.");
                }
            }
    }

    public void Set(string path, JsonNode? value, ScimOp op)
    {
        // The enterprise extension (department, manager, employeeNumber…) and an administrator's own extensions: accepted,
        // not kept. Units and managers are not modelled yet.
        if (path.StartsWith(ExtensionPrefix, StringComparison.OrdinalIgnoreCase))
            return;
        var (attribute, filter, sub) = ScimPatch.Split(path, ScimSchemas.User);
        var remove = op == ScimOp.Remove;
        switch (attribute)
        {
            case "username" when sub is null && filter.Count == 0:
                UserName = remove ? throw Required("userName") : ScimJson.String(value, "userName") ?? throw Required("userName");
                break;
            case "externalid" when sub is null && filter.Count == 0:
                ExternalId = remove ? null : Limited(ScimJson.String(value, "externalId"), ScimIdentity.MaxExternalIdLength, "externalId");
                break;
            case "displayname" when sub is null && filter.Count == 0:
                DisplayName = remove ? null : ScimJson.String(value, "displayName");
                break;
            case "active" when sub is null && filter.Count == 0:
                Active = !remove && ScimJson.Boolean(value, "active");
                break;
            case "name" when filter.Count == 0:
                SetName(sub, value, op);
                break;
            case "emails":
                SetEmail(filter, sub, value, op);
                break;
            case var ignored when Ignored.Contains(ignored):
                break;
            default:
                throw ScimException.InvalidPath($"'{path}' is not an attribute of a User that Parley knows.");
        }
    }

    private void SetName(string? sub, JsonNode? value, ScimOp op)
    {
        if (sub is null)
        {
            if (op == ScimOp.Remove)
            {
                GivenName = FamilyName = FormattedName = null;
                return;
            }
            if (value is not JsonObject name)
                throw ScimException.InvalidValue("name is an object.");
            foreach (var (key, part) in name)
                SetName(key.ToLowerInvariant(), part, ScimOp.Replace);
            return;
        }
        var text = op == ScimOp.Remove ? null : Limited(ScimJson.String(value, $"name.{sub}"), ScimIdentity.MaxNamePartLength, $"name.{sub}");
        switch (sub)
        {
            case "givenname": GivenName = text; break;
            case "familyname": FamilyName = text; break;
            case "formatted": FormattedName = text; break;
            case "middlename" or "honorificprefix" or "honorificsuffix": break;
            default: throw ScimException.InvalidPath($"name.{sub} is not an attribute of a User.");
        }
    }

    /// <summary>
    /// Parley keeps one email, the work one: <c>emails</c> with an array (the work one, else the primary, else the
    /// first), or <c>emails[type eq "work"].value</c> with a string. Other types are accepted and not kept.
    /// </summary>
    private void SetEmail(IReadOnlyList<ScimComparison> filter, string? sub, JsonNode? value, ScimOp op)
    {
        if (filter.Count > 0)
        {
            if (filter.Any(c => c.Attribute is not ("emails.type" or "emails.primary" or "emails.value")))
                throw ScimException.InvalidPath("An emails filter names type, primary or value.");
            if (filter.Any(c => c.Attribute == "emails.type" && !string.Equals(c.Value, "work", StringComparison.OrdinalIgnoreCase)))
                return;
            if (op == ScimOp.Remove)
                throw ScimException.InvalidValue("Parley accounts keep a work email: replace it instead of removing it.");
            if (sub is "value")
                Email = ScimJson.String(value, "emails.value") ?? throw Required("emails.value");
            else if (sub is null && value is JsonObject one)
                Email = ScimJson.String(ScimJson.Get(one, "value"), "emails.value") ?? Email;
            else if (sub is not ("type" or "primary" or "display"))
                throw ScimException.InvalidPath($"emails.{sub} is not an attribute of an email.");
            return;
        }
        if (sub is "value")
        {
            Email = op == ScimOp.Remove ? throw Required("emails") : ScimJson.String(value, "emails.value") ?? Email;
            return;
        }
        if (sub is not null)
            throw ScimException.InvalidPath($"emails.{sub} cannot be set without choosing an email.");
        if (op == ScimOp.Remove)
            throw ScimException.InvalidValue("Parley accounts keep a work email: replace it instead of removing it.");
        var items = value switch
        {
            JsonArray array => array.ToList(),
            JsonObject o => [o],
            _ => throw ScimException.InvalidValue("emails is an array of objects."),
        };
        if (items.Any(i => i is not JsonObject))
            throw ScimException.InvalidValue("emails is an array of objects.");
        var chosen = items.Cast<JsonObject>().OrderBy(e => IsWork(e) ? 0 : IsPrimary(e) ? 1 : 2).FirstOrDefault();
        if (chosen is not null)
            Email = ScimJson.String(ScimJson.Get(chosen, "value"), "emails.value") ?? throw Required("emails.value");
    }

    private static bool IsWork(JsonObject e) =>
        ScimJson.Get(e, "type") is JsonValue v && v.TryGetValue<string>(out var type) && string.Equals(type, "work", StringComparison.OrdinalIgnoreCase);

    private static bool IsPrimary(JsonObject e) => ScimJson.Get(e, "primary") is { } p && ScimJson.Boolean(p, "emails.primary");

    private static ScimException Required(string attribute) => ScimException.InvalidValue($"{attribute} is required.");

    private static string? Limited(string? text, int max, string attribute) =>
        text is { Length: > 0 } && text.Length > max ? throw ScimException.InvalidValue($"{attribute} is at most {max} characters.") : text;

    /// <summary>The name shown in Parley: displayName, else the formatted name, else given and family names, else the userName.</summary>
    public string DisplayNameOrDerived()
    {
        if (!string.IsNullOrWhiteSpace(DisplayName))
            return DisplayName;
        if (!string.IsNullOrWhiteSpace(FormattedName))
            return FormattedName;
        var joined = string.Join(' ', new[] { GivenName, FamilyName }.Where(n => !string.IsNullOrWhiteSpace(n)));
        return joined.Length > 0 ? joined : (UserName ?? "").Split('@')[0];
    }

    /// <summary>The email of a new account: the work email given, else the userName when it is an address.</summary>
    public string EmailOrUserName()
    {
        if (Email is not null)
            return Email;
        try
        {
            return User.ValidEmail(UserName!);
        }
        catch (Platform.DomainException)
        {
            throw ScimException.InvalidValue("Give the person's work email in emails: Parley accounts have one, and this userName is not an address.");
        }
    }

    public static string ValidUserName(string userName)
    {
        var trimmed = userName.Trim();
        if (trimmed.Length is 0 or > ScimIdentity.MaxUserNameLength || trimmed.Any(char.IsControl) || Platform.UserText.Refused(trimmed) is not null)
            throw ScimException.InvalidValue($"userName is 1 to {ScimIdentity.MaxUserNameLength} characters without control characters.");
        return trimmed;
    }
}
