using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cubicle.Audit;

/// <summary>
/// Copies a call's request or response body into its CloudTrail event as CloudTrail records it: member names in
/// camelCase, sensitive values hidden, client text that is not valid UTF-8 kept as raw text, and the resources the
/// body names noted on the way.
/// </summary>
internal static partial class ParameterCopier
{
    /// <summary>Copies a JSON body with camelCase member names (as CloudTrail records them), hiding sensitive values
    /// and noting the resources it names, in one pass of a reader; false when the body is not one JSON value (or is
    /// an empty object), which the record shows as null.</summary>
    public static bool WriteCamel(Utf8JsonWriter w, ReadOnlySpan<byte> json, List<(string, string)> resources)
    {
        if (IsEmptyObject(json))
            return false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read())
                return false;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                var next = reader; // a copy: looks one token ahead
                if (next.Read() && next.TokenType == JsonTokenType.EndObject)
                    return false;
            }
            Copy(ref reader, w, null, resources);
            while (reader.Read()) { } // anything after the value is an error the reader throws
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Copies the value the reader is on; <paramref name="name"/> is the member it belongs to (an array's
    /// items belong to the array's member).</summary>
    private static void Copy(
        ref Utf8JsonReader reader,
        Utf8JsonWriter w,
        string? name,
        List<(string, string)> resources
    )
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                w.WriteStartObject();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    // A member name is client text too: one that is not valid UTF-8 (or holds an unpaired
                    // surrogate) is recorded as its raw text; the API ignored it, so it names no resource.
                    var text = TryGetText(ref reader);
                    var member = text ?? RawText(reader.ValueSpan);
                    w.WritePropertyName(Camel(member));
                    reader.Read();
                    if (Sensitive().IsMatch(member))
                    {
                        w.WriteStringValue("HIDDEN_DUE_TO_SECURITY_REASONS");
                        reader.Skip();
                    }
                    else
                        Copy(ref reader, w, text, resources);
                }
                w.WriteEndObject();
                break;
            case JsonTokenType.StartArray:
                w.WriteStartArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    Copy(ref reader, w, name, resources);
                w.WriteEndArray();
                break;
            case JsonTokenType.String:
                if (TryGetText(ref reader) is not { } value)
                {
                    // Invalid UTF-8 or an unpaired surrogate: recorded as its raw text, with replacement characters.
                    w.WriteStringValue(RawText(reader.ValueSpan));
                    break;
                }
                if (ResourceTypes.Of(name, value) is { } type)
                    resources.Add((type, value));
                w.WriteStringValue(value);
                break;
            case JsonTokenType.Number:
                w.WriteRawValue(reader.ValueSpan, skipInputValidation: true); // the number as sent
                break;
            case JsonTokenType.True or JsonTokenType.False:
                w.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    private static string? TryGetText(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>JSON text as sent (escapes left as they are), with U+FFFD for bytes that are not UTF-8.</summary>
    private static string RawText(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);

    private static bool IsEmptyObject(ReadOnlySpan<byte> json)
    {
        json = json.Trim(" \t\r\n"u8);
        return json.IsEmpty || json.SequenceEqual("{}"u8);
    }

    private static string Camel(string name) =>
        name.Length == 0 || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];

    [GeneratedRegex("(?i)(password|secret|sessiontoken|registrationcode)")]
    private static partial Regex Sensitive();
}
