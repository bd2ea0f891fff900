using System.Globalization;
using System.Text;
using System.Text.Json.Serialization.Metadata;

namespace Parley.Server.Platform;

/// <summary>
/// The one policy for text a client sends.
/// <list type="bullet">
/// <item>Every string, wherever it comes from (JSON body, route, query): no NUL, no other control character than tab,
/// line feed and carriage return, no lone surrogate, no noncharacter (U+FFFF…): 400 <c>text-invalid</c> with the <c>field</c> that holds it. It is
/// then kept in Unicode NFC, so "é" typed as one character or as "e" and a combining accent is the same text.</item>
/// <item>Names shown to other people (display, channel, organization, device and file names, topics) also lose their
/// format characters (category Cf: bidi overrides and isolates, zero-width spaces and joiners, soft hyphens…) and line or
/// paragraph separators, see <see cref="Name"/>: a name displays as it compares, and <c>invoice‮fdp.exe</c> cannot pose
/// as a PDF.</item>
/// <item>Message text keeps format characters: emoji ZWJ sequences and right-to-left writing need them, and a browser
/// ends a bidi override with its paragraph.</item>
/// <item>Passwords and tokens (<see cref="VerbatimAttribute"/>) are checked but never normalized: they must compare
/// exactly with what was set.</item>
/// </list>
/// JSON bodies get it through <see cref="JsonModifier"/>, route and query values through <see cref="WithUserTextPolicy"/>,
/// names through the entities' Valid* functions, which call <see cref="Name"/>.
/// </summary>
public static class UserText
{
    public const string InvalidCode = "text-invalid";

    /// <summary>Marks a string property that is checked but kept exactly as sent (passwords, tokens).</summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
    public sealed class VerbatimAttribute : Attribute;

    /// <summary>The value in NFC, or a 400 <c>text-invalid</c> naming <paramref name="field"/> if it holds a refused character.</summary>
    public static string Accept(string field, string value, bool normalize = true)
    {
        if (Refused(value) is { } what)
            throw new DomainException(InvalidCode, $"The field '{field}' contains {what}, which is not allowed.", StatusCodes.Status400BadRequest, field);
        return normalize && !value.IsNormalized(NormalizationForm.FormC) ? value.Normalize(NormalizationForm.FormC) : value;
    }

    /// <summary>What makes the text unacceptable everywhere, or null when it is acceptable.</summary>
    public static string? Refused(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                if (IsNoncharacter(char.ConvertToUtf32(c, value[i + 1])))
                    return "a noncharacter";
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
                return "a lone surrogate";
            if (c == '\0')
                return "a NUL character";
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r'))
                return "a control character";
            if (IsNoncharacter(c))
                return "a noncharacter";
        }
        return null;
    }

    /// <summary>U+FDD0–U+FDEF and the last two code points of every plane: never text, and .NET refuses to normalize them.</summary>
    public static bool IsNoncharacter(int codePoint) => codePoint is >= 0xFDD0 and <= 0xFDEF || (codePoint & 0xFFFE) == 0xFFFE;

    /// <summary>
    /// A name as it is shown and compared: without format characters (Cf) and line or paragraph separators, in NFC.
    /// Callers still trim it and refuse what their field does not allow (control characters, length).
    /// </summary>
    public static string Name(string value)
    {
        var kept = new StringBuilder(value.Length);
        Span<char> buffer = stackalloc char[2];
        foreach (var rune in value.EnumerateRunes())                  // a lone surrogate comes out as U+FFFD
        {
            if (IsHiddenInNames(rune) || IsNoncharacter(rune.Value))
                continue;
            kept.Append(buffer[..rune.EncodeToUtf16(buffer)]);
        }
        var name = kept.ToString();
        return name.IsNormalized(NormalizationForm.FormC) ? name : name.Normalize(NormalizationForm.FormC);
    }

    /// <summary>Format characters and line or paragraph separators: invisible, or able to reorder or split what follows.</summary>
    public static bool IsHiddenInNames(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>
    /// Applies <see cref="Accept"/> to every string property of every JSON body, naming the property in the problem.
    /// It replaces the property setters, not the string converter, so the OpenAPI schemas stay plain strings.
    /// </summary>
    public static void JsonModifier(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
            return;
        foreach (var property in info.Properties)
        {
            if (property.PropertyType != typeof(string) || property.Set is not { } set)
                continue;
            var field = property.Name;
            var verbatim = property.AttributeProvider?.IsDefined(typeof(VerbatimAttribute), inherit: true) ?? false;
            property.Set = (target, value) => set(target, value is string text ? Accept(field, text, normalize: !verbatim) : value);
        }
    }

    /// <summary>Registers <see cref="JsonModifier"/> for the JSON bodies of every endpoint.</summary>
    public static IServiceCollection AddUserTextPolicy(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolver =
            (o.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(JsonModifier));

    /// <summary>Applies <see cref="Accept"/> to every string a handler binds from the route or the query.</summary>
    public static TBuilder WithUserTextPolicy<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((context, next) =>
        {
            var strings = context.MethodInfo.GetParameters()
                .Select((parameter, index) => (parameter, index))
                .Where(p => p.parameter.ParameterType == typeof(string))
                .Select(p => (p.index, field: p.parameter.Name ?? "parameter",
                    verbatim: p.parameter.IsDefined(typeof(VerbatimAttribute), inherit: true)))
                .ToArray();
            if (strings.Length == 0)
                return next;
            return invocation =>
            {
                foreach (var (index, field, verbatim) in strings)
                    if (invocation.Arguments[index] is string text)
                        invocation.Arguments[index] = Accept(field, text, normalize: !verbatim);
                return next(invocation);
            };
        });
}
