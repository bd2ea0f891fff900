using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Server.Features.Records.Log;

/// <summary>
/// The one byte-exact JSON form of a record, so a hash over it can be recomputed by anyone: the subset of
/// RFC 8785 (JCS) our data needs. Object members sorted by their keys' UTF-16 code units (§3.2.3), no whitespace,
/// strings with only '"', '\' and control characters escaped (§3.2.2.2), everything else raw; numbers are integers
/// within ±2^53 (I-JSON, RFC 7493 §2.2), so their form is plain decimal and no float formatting is involved.
/// For keys without characters beyond U+FFFF this equals Python's
/// <c>json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)</c>.
/// </summary>
/// <remarks>This file links into the standalone verifier: BCL only.</remarks>
public static class CanonicalJson
{
    public const long MaxSafeInteger = (1L << 53);

    /// <summary>Throws <see cref="ArgumentException"/> for non-integers, integers beyond ±2^53 and lone surrogates.</summary>
    public static string Serialize(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(text, node);
        return text.ToString();
    }

    private static void Write(StringBuilder text, JsonNode? node)
    {
        switch (node)
        {
            case null:
                text.Append("null");
                break;
            case JsonObject obj:
                text.Append('{');
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) text.Append(',');
                    first = false;
                    WriteString(text, key);
                    text.Append(':');
                    Write(text, value);
                }
                text.Append('}');
                break;
            case JsonArray array:
                text.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) text.Append(',');
                    Write(text, array[i]);
                }
                text.Append(']');
                break;
            case JsonValue value:
                switch (value.GetValueKind())
                {
                    case JsonValueKind.String:
                        WriteString(text, value.TryGetValue<string>(out var s) ? s : JsonSerializer.Deserialize<string>(value.ToJsonString())!);
                        break;
                    case JsonValueKind.Number:
                        text.Append(Integer(value.ToJsonString()).ToString(CultureInfo.InvariantCulture));
                        break;
                    case JsonValueKind.True: text.Append("true"); break;
                    case JsonValueKind.False: text.Append("false"); break;
                    case JsonValueKind.Null: text.Append("null"); break;
                    default: throw new ArgumentException($"Cannot serialize a JSON value of kind {value.GetValueKind()}.");
                }
                break;
        }
    }

    /// <summary>Only integer literals (an optional minus, digits, no leading zeros) within ±2^53.</summary>
    private static long Integer(string literal)
    {
        var digits = literal.StartsWith('-') ? literal[1..] : literal;
        if (digits.Length == 0 || digits.Length > 16 || !digits.All(char.IsAsciiDigit) || (digits.Length > 1 && digits[0] == '0')
            || !long.TryParse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || Math.Abs(n) > MaxSafeInteger)
            throw new ArgumentException($"Canonical JSON numbers must be integers within ±2^53, not {literal}.");
        return n;
    }

    private static void WriteString(StringBuilder text, string s)
    {
        text.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ': text.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) text.Append(c).Append(s[++i]);
                    else if (char.IsSurrogate(c)) throw new ArgumentException("Canonical JSON strings must be valid Unicode (a lone surrogate was found).");
                    else text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }
}
