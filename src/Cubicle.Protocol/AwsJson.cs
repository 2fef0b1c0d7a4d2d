using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cubicle.Protocol;

public static class AwsJson
{
    public const string ContentType = "application/x-amz-json-1.1";

    /// <summary>Reads a request body. Unknown members are ignored (newer clients send more); a syntax
    /// error is SerializationException; a member of the wrong type is InvalidParameterValuesException naming
    /// it.</summary>
    public static T Read<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> type)
        where T : class, new()
    {
        if (body.IsEmpty || IsWhitespace(body))
            return new T();
        if (body.Length > MaxStringBytes)
            RefuseLongStrings(body);
        if (body.IndexOf("\\u0000"u8) >= 0)
            RefuseNul(body);
        try
        {
            return JsonSerializer.Deserialize(body, type)
                ?? throw new ApiException(
                    ErrorCodes.Serialization,
                    "The request body must be a JSON object, not null."
                );
        }
        catch (JsonException ex)
        {
            if (!IsWellFormed(body, out var syntax))
                throw new ApiException(ErrorCodes.Serialization, $"The request body is not valid JSON: {syntax}");
            var member =
                ex.Path is null or "$" ? null
                : ex.Path.StartsWith("$.", StringComparison.Ordinal) ? ex.Path[2..]
                : ex.Path;
            if (member is null)
                throw new ApiException(ErrorCodes.Serialization, "The request body must be a JSON object.");
            throw Validate.Fail(member, "the value has the wrong type for this member.");
        }
    }

    /// <summary>The longest string (member value or name, as sent) a request may hold. No member of these APIs
    /// takes more than 2,048 characters; a longer string would only be copied, escaped and quoted by every layer,
    /// in buffers of megabytes (large-object heap, pooled per thread) that stay with the process afterwards.</summary>
    public const int MaxStringBytes = 16 * 1024;

    /// <summary>InvalidParameterValuesException for a string longer than <see cref="MaxStringBytes"/>, found before
    /// anything is built from it. Malformed JSON is left to the deserializer, which reports it as always.</summary>
    private static void RefuseLongStrings(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 32 });
        var member = "";
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
                    continue;
                var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                if (length > MaxStringBytes)
                    throw Validate.Fail(
                        reader.TokenType == JsonTokenType.PropertyName ? "a member name" : member,
                        $"it is {length} bytes long; no member of this API takes more than {MaxStringBytes}."
                    );
                if (reader.TokenType == JsonTokenType.PropertyName)
                    member = reader.ValueIsEscaped ? "a member" : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
            }
        }
        catch (JsonException) { }
    }

    /// <summary>InvalidParameterValuesException for a string holding U+0000 (written \u0000): no member of these APIs
    /// takes one, PostgreSQL cannot store one, and one would end a C string wherever a value reaches one.</summary>
    private static void RefuseNul(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 32 });
        var member = "";
        try
        {
            while (reader.Read())
            {
                if (
                    reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName)
                    || !reader.ValueIsEscaped
                )
                {
                    if (reader.TokenType == JsonTokenType.PropertyName)
                        member = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                    continue;
                }
                var text = reader.GetString()!;
                if (text.Contains('\0'))
                    throw Validate.Fail(
                        reader.TokenType == JsonTokenType.PropertyName ? "a member name" : member,
                        "it holds a NUL character (U+0000)."
                    );
                if (reader.TokenType == JsonTokenType.PropertyName)
                    member = text;
            }
        }
        catch (JsonException) { }
        catch (InvalidOperationException) { }
    }

    private static bool IsWhitespace(ReadOnlySpan<byte> body)
    {
        foreach (var b in body)
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                return false;
        return true;
    }

    /// <summary>
    /// Whether the body is well-formed JSON whose strings are valid UTF-8 without unpaired surrogates.
    /// </summary>
    private static bool IsWellFormed(ReadOnlySpan<byte> body, out string? error)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 32 });
            while (reader.Read())
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                    reader.GetString();
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = ex.Message;
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString refuses invalid UTF-8 and escapes of unpaired surrogates.
            error = "a string is not valid UTF-8 or holds an unpaired surrogate.";
            return false;
        }
    }
}
