using System.Text.Json.Nodes;

namespace Parley.Server.Features.Scim;

public enum ScimOp { Add, Replace, Remove }

/// <summary>One operation of a PATCH request (RFC 7644 §3.5.2).</summary>
public sealed record ScimOperation(ScimOp Op, string? Path, JsonNode? Value);

public static class ScimPatch
{
    public const int MaxOperations = 1000;

    /// <summary>
    /// The operations of a PatchOp message. <c>op</c> is read without regard to case: Entra ID sends "Replace" and "Add".
    /// </summary>
    public static IReadOnlyList<ScimOperation> Operations(JsonObject body)
    {
        if (ScimJson.Get(body, "schemas") is not JsonArray schemas || !schemas.Any(s => s is JsonValue v && v.TryGetValue<string>(out var urn) && urn == ScimSchemas.PatchOp))
            throw ScimException.InvalidSyntax($"A PATCH request lists the schema {ScimSchemas.PatchOp}.");
        if (ScimJson.Get(body, "Operations") is not JsonArray { Count: > 0 } operations)
            throw ScimException.InvalidSyntax("A PATCH request has a non-empty Operations array.");
        if (operations.Count > MaxOperations)
            throw new ScimException(400, "tooMany", $"A PATCH request has at most {MaxOperations} operations.");
        return [.. operations.Select(Operation)];
    }

    /// <summary>
    /// Applies a PatchOp message through <paramref name="set"/> (a path, its value, the operation). An operation without a
    /// path sets each member of its value object: Okta's <c>{"op":"replace","value":{"active":false}}</c>, and Entra ID's
    /// value objects whose keys are paths such as <c>name.givenName</c>.
    /// </summary>
    public static void Apply(JsonObject body, Action<string, JsonNode?, ScimOp> set)
    {
        foreach (var operation in Operations(body))
            if (operation.Path is null)
                foreach (var (key, value) in (JsonObject)operation.Value!)
                    set(key, value, operation.Op);
            else
                set(operation.Path, operation.Value, operation.Op);
    }

    private static ScimOperation Operation(JsonNode? node)
    {
        if (node is not JsonObject o)
            throw ScimException.InvalidSyntax("Each operation is an object with op, path and value.");
        var op = ScimJson.String(ScimJson.Get(o, "op"), "op")?.Trim().ToLowerInvariant() switch
        {
            "add" => ScimOp.Add,
            "replace" => ScimOp.Replace,
            "remove" => ScimOp.Remove,
            _ => throw ScimException.InvalidSyntax("op is add, replace or remove."),
        };
        var path = ScimJson.String(ScimJson.Get(o, "path"), "path");
        var value = ScimJson.Get(o, "value");
        if (string.IsNullOrWhiteSpace(path))
        {
            if (op == ScimOp.Remove)
                throw new ScimException(400, "noTarget", "A remove operation names its path.");
            if (value is not JsonObject)
                throw ScimException.InvalidSyntax("An operation without a path has an object as its value.");
            path = null;
        }
        else if (op != ScimOp.Remove && value is null)
            throw ScimException.InvalidValue($"The {op.ToString().ToLowerInvariant()} operation on {path} has no value.");
        return new ScimOperation(op, path?.Trim(), value);
    }

    /// <summary>
    /// A path split into its attribute (lower case, without the core schema's URN), the filter inside brackets if any,
    /// and the sub-attribute after it: <c>emails[type eq "work"].value</c> gives ("emails", [type eq work], "value").
    /// </summary>
    public static (string Attribute, IReadOnlyList<ScimComparison> Filter, string? Sub) Split(string path, string coreSchema)
    {
        if (path.StartsWith(coreSchema + ":", StringComparison.OrdinalIgnoreCase))
            path = path[(coreSchema.Length + 1)..];
        var open = path.IndexOf('[');
        if (open < 0)
        {
            var dot = path.IndexOf('.');
            return dot < 0 ? (path.ToLowerInvariant(), [], null) : (path[..dot].ToLowerInvariant(), [], path[(dot + 1)..].ToLowerInvariant());
        }
        var close = path.LastIndexOf(']');
        if (close < open)
            throw ScimException.InvalidPath($"'{path}' has a '[' without its ']'.");
        var filter = ScimFilter.Parse(path[(open + 1)..close], path[..open].ToLowerInvariant());
        var rest = path[(close + 1)..];
        if (rest.Length > 0 && (rest[0] != '.' || rest.Length == 1))
            throw ScimException.InvalidPath($"'{path}' is not an attribute path.");
        return (path[..open].ToLowerInvariant(), filter, rest.Length > 0 ? rest[1..].ToLowerInvariant() : null);
    }
}
