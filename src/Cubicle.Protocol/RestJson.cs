using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Cubicle.Protocol;

/// <summary>restJson1, as Directory Service Data speaks it: POST to the action's path, members in a JSON body, some
/// (DirectoryId) in the query string. The operations see one JSON object, as for awsJson1_1.</summary>
public static class RestJson
{
    public const string ContentType = "application/json";

    /// <summary>The body with the query string's members added (a query member wins over a body member of the same
    /// name). A body that is not a JSON object is returned as it is, for the reader to refuse.</summary>
    public static ReadOnlyMemory<byte> WithQueryMembers(
        ReadOnlyMemory<byte> body,
        IQueryCollection query,
        string[]? members
    )
    {
        if (members is null || !members.Any(query.ContainsKey))
            return body;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(body.Length + 64);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var m in members)
                if (query.TryGetValue(m, out var v))
                    w.WriteString(m, v.ToString());
            if (!body.IsEmpty)
            {
                try
                {
                    using var doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
                    if (doc.RootElement.ValueKind != JsonValueKind.Object)
                        return body;
                    foreach (var p in doc.RootElement.EnumerateObject())
                        if (Array.IndexOf(members, p.Name) < 0)
                            p.WriteTo(w);
                }
                catch (JsonException)
                {
                    return body;
                }
            }
            w.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }
}
