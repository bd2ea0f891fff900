using System.Text.Json.Nodes;

namespace Parley.Server.Features.Scim;

/// <summary>What the service provider supports (RFC 7644 §4): its configuration, resource types and schemas.</summary>
public static class ScimDiscovery
{
    public static IResult ServiceProviderConfig(HttpContext http) => ScimResult.Ok(new JsonObject
    {
        ["schemas"] = new JsonArray(ScimSchemas.ServiceProviderConfig),
        ["patch"] = new JsonObject { ["supported"] = true },
        ["bulk"] = new JsonObject { ["supported"] = false, ["maxOperations"] = 0, ["maxPayloadSize"] = 0 },
        ["filter"] = new JsonObject { ["supported"] = true, ["maxResults"] = ScimPage.MaxResults },
        ["changePassword"] = new JsonObject { ["supported"] = false },
        ["sort"] = new JsonObject { ["supported"] = false },
        ["etag"] = new JsonObject { ["supported"] = true },
        ["authenticationSchemes"] = new JsonArray(new JsonObject
        {
            ["type"] = "oauthbearertoken", ["name"] = "Bearer token", ["primary"] = true,
            ["description"] = "A provisioning token an admin makes in Parley (Settings, or POST /api/v1/organization/scim-tokens).",
        }),
        ["meta"] = new JsonObject { ["resourceType"] = "ServiceProviderConfig", ["location"] = $"{ScimJson.BaseUrl(http.Request)}/ServiceProviderConfig" },
    });

    public static IResult ResourceTypes(HttpContext http)
    {
        var all = Types(ScimJson.BaseUrl(http.Request));
        return ScimResult.Ok(ScimPage.List(all, all.Count, new ScimPage(1, all.Count)));
    }

    public static IResult ResourceType(string name, HttpContext http) =>
        Types(ScimJson.BaseUrl(http.Request)).FirstOrDefault(t => string.Equals(t["id"]!.GetValue<string>(), name, StringComparison.OrdinalIgnoreCase))
            is { } type ? ScimResult.Ok(type) : throw ScimException.NotFound("ResourceType");

    public static IResult Schemas(HttpContext http)
    {
        var all = AllSchemas(ScimJson.BaseUrl(http.Request));
        return ScimResult.Ok(ScimPage.List(all, all.Count, new ScimPage(1, all.Count)));
    }

    public static IResult Schema(string urn, HttpContext http) =>
        AllSchemas(ScimJson.BaseUrl(http.Request)).FirstOrDefault(s => s["id"]!.GetValue<string>() == urn)
            is { } schema ? ScimResult.Ok(schema) : throw ScimException.NotFound("Schema");

    private static List<JsonObject> Types(string baseUrl) =>
    [
        new()
        {
            ["schemas"] = new JsonArray(ScimSchemas.ResourceType), ["id"] = "User", ["name"] = "User", ["endpoint"] = "/Users",
            ["description"] = "A person's account", ["schema"] = ScimSchemas.User,
            ["schemaExtensions"] = new JsonArray(new JsonObject { ["schema"] = ScimSchemas.EnterpriseUser, ["required"] = false }),
            ["meta"] = new JsonObject { ["resourceType"] = "ResourceType", ["location"] = $"{baseUrl}/ResourceTypes/User" },
        },
        new()
        {
            ["schemas"] = new JsonArray(ScimSchemas.ResourceType), ["id"] = "Group", ["name"] = "Group", ["endpoint"] = "/Groups",
            ["description"] = "A directory group", ["schema"] = ScimSchemas.Group,
            ["meta"] = new JsonObject { ["resourceType"] = "ResourceType", ["location"] = $"{baseUrl}/ResourceTypes/Group" },
        },
    ];

    private static JsonObject Attribute(string name, string type = "string", bool required = false, bool multi = false,
        string mutability = "readWrite", string uniqueness = "none", bool caseExact = false, string description = "", params JsonObject[] sub)
    {
        var a = new JsonObject
        {
            ["name"] = name, ["type"] = type, ["multiValued"] = multi, ["description"] = description, ["required"] = required,
            ["caseExact"] = caseExact, ["mutability"] = mutability, ["returned"] = "default", ["uniqueness"] = uniqueness,
        };
        if (sub.Length > 0)
            a["subAttributes"] = new JsonArray([.. sub]);
        return a;
    }

    private static JsonObject SchemaOf(string id, string name, string baseUrl, params JsonObject[] attributes) => new()
    {
        ["schemas"] = new JsonArray(ScimSchemas.Schema), ["id"] = id, ["name"] = name,
        ["attributes"] = new JsonArray([.. attributes]),
        ["meta"] = new JsonObject { ["resourceType"] = "Schema", ["location"] = $"{baseUrl}/Schemas/{id}" },
    };

    private static List<JsonObject> AllSchemas(string baseUrl) =>
    [
        SchemaOf(ScimSchemas.User, "User", baseUrl,
            Attribute("userName", required: true, uniqueness: "server", description: "The directory's sign-in name; unique in the organization."),
            Attribute("name", "complex", description: "Kept: givenName, familyName, formatted.",
                sub: [Attribute("formatted"), Attribute("familyName"), Attribute("givenName")]),
            Attribute("displayName", description: "The name Parley shows; derived from name or userName when absent."),
            Attribute("emails", "complex", multi: true, description: "Parley keeps one, the work email, unique in the organization.",
                sub: [Attribute("value"), Attribute("type"), Attribute("primary", "boolean")]),
            Attribute("active", "boolean", description: "false deactivates the account and ends its sessions; true reactivates it."),
            Attribute("externalId", caseExact: true, description: "The directory's id for the person.")),
        SchemaOf(ScimSchemas.EnterpriseUser, "EnterpriseUser", baseUrl,
            Attribute("department", description: "Accepted, not kept yet."),
            Attribute("manager", "complex", description: "Accepted, not kept yet.", sub: [Attribute("value")])),
        SchemaOf(ScimSchemas.Group, "Group", baseUrl,
            Attribute("displayName", required: true, uniqueness: "server", description: "Unique in the organization."),
            Attribute("members", "complex", multi: true, description: "Users of the organization.",
                sub: [Attribute("value", mutability: "immutable"), Attribute("$ref", "reference", mutability: "immutable"), Attribute("type", mutability: "immutable")]),
            Attribute("externalId", caseExact: true)),
    ];
}
