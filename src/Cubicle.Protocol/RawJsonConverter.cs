using System.Text.Json.Serialization;

namespace Cubicle.Protocol;

public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(
        ref System.Text.Json.Utf8JsonReader reader,
        Type typeToConvert,
        System.Text.Json.JsonSerializerOptions options
    )
    {
        using var doc = System.Text.Json.JsonDocument.ParseValue(ref reader);
        return new RawJson(System.Text.Encoding.UTF8.GetBytes(doc.RootElement.GetRawText()));
    }

    public override void Write(
        System.Text.Json.Utf8JsonWriter writer,
        RawJson value,
        System.Text.Json.JsonSerializerOptions options
    ) => writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
}
