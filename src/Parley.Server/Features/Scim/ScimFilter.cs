using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Parley.Server.Features.Scim;

/// <summary>One comparison of a filter: an attribute path (lower case, sub-attribute after a dot) equal to a value.</summary>
public sealed record ScimComparison(string Attribute, string? Value);

/// <summary>
/// The filters of RFC 7644 §3.4.2.2 that directories send to find a resource before they create it: <c>eq</c>
/// comparisons joined by <c>and</c>, with value paths such as <c>emails[type eq "work"].value eq "…"</c> or
/// <c>members[value eq "…"]</c>. Anything else is refused as 400 <c>invalidFilter</c>, never guessed at.
/// </summary>
public static class ScimFilter
{
    public const int MaxLength = 2000;

    /// <param name="prefix">The multi-valued attribute a value filter is inside, as in <c>emails[type eq "work"]</c>.</param>
    public static IReadOnlyList<ScimComparison> Parse(string? filter, string? prefix = null)
    {
        if (string.IsNullOrWhiteSpace(filter))
            return [];
        if (filter.Length > MaxLength)
            throw Invalid($"A filter is at most {MaxLength} characters.");
        var tokens = Tokenize(filter);
        var position = 0;
        var result = new List<ScimComparison>();
        ParseConjunction(tokens, ref position, result, prefix, depth: 0);
        if (position != tokens.Count)
            throw Invalid($"Unexpected '{tokens[position].Text}' in the filter.");
        return result;
    }

    private static ScimException Invalid(string detail) => new(400, "invalidFilter", detail);

    private sealed record Token(string Text, bool IsString);

    private static void ParseConjunction(List<Token> tokens, ref int position, List<ScimComparison> result, string? prefix, int depth)
    {
        if (depth > 8)
            throw Invalid("The filter is nested too deeply.");
        ParseTerm(tokens, ref position, result, prefix, depth);
        while (position < tokens.Count && Is(tokens[position], "and"))
        {
            position++;
            ParseTerm(tokens, ref position, result, prefix, depth);
        }
        if (position < tokens.Count && Is(tokens[position], "or"))
            throw Invalid("Parley supports 'and' between comparisons, not 'or'.");
    }

    private static void ParseTerm(List<Token> tokens, ref int position, List<ScimComparison> result, string? prefix, int depth)
    {
        var token = Next(tokens, ref position, "an attribute");
        if (!token.IsString && token.Text == "(")
        {
            ParseConjunction(tokens, ref position, result, prefix, depth + 1);
            Expect(tokens, ref position, ")");
            return;
        }
        if (token.IsString || Is(token, "not") || token.Text is "[" or "]" or ")")
            throw Invalid(Is(token, "not") ? "Parley does not support 'not' in filters." : $"Expected an attribute, found '{token.Text}'.");
        var attribute = Attribute(token.Text, prefix);
        if (position < tokens.Count && !tokens[position].IsString && tokens[position].Text == "[")
        {
            if (prefix is not null)
                throw Invalid("A value filter cannot hold another.");
            position++;
            ParseConjunction(tokens, ref position, result, attribute, depth + 1);
            Expect(tokens, ref position, "]");
            if (position < tokens.Count && !tokens[position].IsString && tokens[position].Text.StartsWith('.'))
            {
                var sub = Attribute(tokens[position++].Text[1..], attribute);
                Compare(tokens, ref position, result, sub);
            }
            return;
        }
        Compare(tokens, ref position, result, attribute);
    }

    private static void Compare(List<Token> tokens, ref int position, List<ScimComparison> result, string attribute)
    {
        var op = Next(tokens, ref position, "an operator");
        if (op.IsString)
            throw Invalid($"Expected an operator after {attribute}.");
        if (!Is(op, "eq"))
            throw Invalid(op.Text.ToLowerInvariant() is "ne" or "co" or "sw" or "ew" or "pr" or "gt" or "ge" or "lt" or "le"
                ? $"Parley supports the operator 'eq' only, not '{op.Text}'."
                : $"'{op.Text}' is not a filter operator.");
        var value = Next(tokens, ref position, "a value");
        if (value.IsString && Platform.UserText.Refused(value.Text) is { } why)
            throw Invalid($"A value in the filter contains {why}.");
        if (value.IsString)
            result.Add(new ScimComparison(attribute, value.Text));
        else if (value.Text is "true" or "false" || double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            result.Add(new ScimComparison(attribute, value.Text));
        else if (value.Text == "null")
            result.Add(new ScimComparison(attribute, null));
        else
            throw Invalid($"'{value.Text}' is not a value: quote strings.");
    }

    /// <summary>The attribute in lower case, without the core schema's URN, under its parent in a value filter.</summary>
    private static string Attribute(string text, string? prefix)
    {
        foreach (var urn in new[] { ScimSchemas.User + ":", ScimSchemas.Group + ":" })
            if (text.StartsWith(urn, StringComparison.OrdinalIgnoreCase))
                text = text[urn.Length..];
        if (text.Length == 0 || text.Length > 200 || !text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '$' or '-' or ':'))
            throw Invalid($"'{text}' is not an attribute name.");
        var name = text.ToLowerInvariant();
        return prefix is null ? name : $"{prefix}.{name}";
    }

    private static bool Is(Token token, string word) => !token.IsString && string.Equals(token.Text, word, StringComparison.OrdinalIgnoreCase);

    private static Token Next(List<Token> tokens, ref int position, string expected) =>
        position < tokens.Count ? tokens[position++] : throw Invalid($"The filter ends where {expected} was expected.");

    private static void Expect(List<Token> tokens, ref int position, string text)
    {
        var token = Next(tokens, ref position, $"'{text}'");
        if (token.IsString || token.Text != text)
            throw Invalid($"Expected '{text}', found '{token.Text}'.");
    }

    private static List<Token> Tokenize(string filter)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < filter.Length)
        {
            var c = filter[i];
            if (char.IsWhiteSpace(c))
                i++;
            else if (c is '(' or ')' or '[' or ']')
            {
                tokens.Add(new Token(c.ToString(), false));
                i++;
            }
            else if (c == '"')
            {
                var end = i + 1;
                while (end < filter.Length && filter[end] != '"')
                    end += filter[end] == '\\' ? 2 : 1;
                if (end >= filter.Length)
                    throw Invalid("A string in the filter has no closing quote.");
                try
                {
                    tokens.Add(new Token(JsonSerializer.Deserialize<string>(filter[i..(end + 1)])!, true));
                }
                catch (JsonException)
                {
                    throw Invalid("A string in the filter has an invalid escape.");
                }
                i = end + 1;
            }
            else
            {
                var word = new StringBuilder();
                while (i < filter.Length && !char.IsWhiteSpace(filter[i]) && filter[i] is not ('(' or ')' or '[' or ']' or '"'))
                    word.Append(filter[i++]);
                tokens.Add(new Token(word.ToString(), false));
            }
        }
        return tokens;
    }
}
