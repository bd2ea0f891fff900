using System.Globalization;
using System.Text;

namespace Parley.Server.Features.Search;

/// <summary>
/// What a person typed in the search box, taken apart: words and quoted phrases to find, and the filters
/// <c>from:</c>, <c>in:</c> (<c>in:#channel</c> or <c>in:@person</c>), <c>has:file</c>, <c>before:</c>, <c>after:</c>, <c>on:</c> and <c>mentions:me</c>. Parsing never fails
/// on syntax: an unclosed quote ends at the end of the text, a word made only of punctuation is dropped, and an unknown
/// <c>name:value</c> is searched as words. Only a filter's value can be wrong (a date that is not one), and that is
/// said in <see cref="Error"/>.
/// </summary>
public sealed record SearchQuery
{
    public const int MaxLength = 1000, MaxTerms = 32;

    /// <summary>Words and phrases, all of which a message must contain; a phrase is several words in this order.</summary>
    public List<string> Terms { get; } = [];
    public List<string> From { get; } = [];
    public List<string> In { get; } = [];

    /// <summary><c>in:@name</c>: the direct conversation between the searcher and that person.</summary>
    public List<string> InDirect { get; } = [];
    public bool HasFile { get; private set; }
    public bool MentionsMe { get; private set; }

    /// <summary>Days, in the searcher's time zone: messages strictly before the day, or strictly after it.</summary>
    public DateOnly? Before { get; private set; }
    public DateOnly? After { get; private set; }

    /// <summary>A filter whose value is wrong, with the stable code to answer with.</summary>
    public (string Code, string Title)? Error { get; private set; }

    public bool HasText => Terms.Count > 0;

    public static SearchQuery Parse(string text)
    {
        var query = new SearchQuery();
        foreach (var (token, quoted) in Tokens(text))
        {
            if (query.Terms.Count + query.From.Count + query.In.Count + query.InDirect.Count >= MaxTerms)
                break;
            if (quoted)
            {
                query.AddTerm(token);
                continue;
            }
            var colon = token.IndexOf(':');
            var name = colon > 0 ? token[..colon].ToLowerInvariant() : "";
            var value = colon > 0 ? token[(colon + 1)..] : "";
            switch (name)
            {
                case "from" when value.Length > 0:
                    query.From.Add(value.TrimStart('@'));
                    break;
                case "in" when value.StartsWith('@') && value.Length > 1:
                    query.InDirect.Add(value[1..]);
                    break;
                case "in" when value.Length > 0:
                    query.In.Add(value.TrimStart('#'));
                    break;
                case "has" when value.Equals("file", StringComparison.OrdinalIgnoreCase):
                    query.HasFile = true;
                    break;
                case "mentions" when value.Equals("me", StringComparison.OrdinalIgnoreCase):
                    query.MentionsMe = true;
                    break;
                case "before" or "after" or "on" or "during" when value.Length > 0:
                    if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                    {
                        query.Error ??= ("search-date-invalid", $"\"{name}:{value}\" is not a date: write it as {name}:2026-03-31 (year, month, day).");
                        break;
                    }
                    if (name == "before")
                        query.Before = day;
                    else if (name == "after")
                        query.After = day;
                    else
                    {
                        query.After = day.AddDays(-1);
                        query.Before = day.AddDays(1);
                    }
                    break;
                default:
                    query.AddTerm(token);
                    break;
            }
        }
        return query;
    }

    /// <summary>Keeps the words of a term (letters, digits, and the marks that go with them), joined by single spaces.</summary>
    private void AddTerm(string token)
    {
        var words = new StringBuilder();
        var inWord = false;
        foreach (var c in token.Normalize(NormalizationForm.FormC))
        {
            var part = char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark
                or UnicodeCategory.SpacingCombiningMark || char.IsSurrogate(c);
            if (part)
            {
                if (!inWord && words.Length > 0)
                    words.Append(' ');
                words.Append(c);
            }
            inWord = part;
        }
        if (words.Length > 0)
            Terms.Add(words.ToString());
    }

    private static IEnumerable<(string Token, bool Quoted)> Tokens(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            if (text[i] is '"' or '“' or '”' or '«')
            {
                var end = text.IndexOfAny(['"', '“', '”', '»'], i + 1);
                var phrase = end < 0 ? text[(i + 1)..] : text[(i + 1)..end];
                i = end < 0 ? text.Length : end + 1;
                if (phrase.Length > 0)
                    yield return (phrase, true);
                continue;
            }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
                i++;
            yield return (text[start..i], false);
        }
    }
}
