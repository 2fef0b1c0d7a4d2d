using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Cubicle.Protocol;
using Cubicle.Services.CloudTrail;
using Cubicle.Services.WorkSpaces;

namespace Cubicle.Fuzz;

/// <summary>
/// The request reader, AwsJson.Read, on the input as the body of every request type of ApiJsonContext and
/// CloudTrailJson. It may only refuse a body with ApiException (SerializationException or
/// InvalidParameterValuesException); and what it reads must write back (FailedRequests echo requests).
/// </summary>
public static class JsonTarget
{
    private static readonly (string Name, Action<byte[], object> Read, object Info)[] Readers =
    [
        .. RequestTypes(ApiJsonContext.Default),
        .. RequestTypes(CloudTrailJson.Default),
    ];

    public static IReadOnlyList<string> TypeNames => Readers.Select(r => r.Name).ToList();

    public static void Run(byte[] body)
    {
        foreach (var (_, read, info) in Readers)
        {
            try
            {
                read(body, info);
            }
            catch (ApiException) { }
        }
    }

    /// <summary>Every type the context knows whose name ends in Request, as the model names input shapes: a
    /// request type added to a context is fuzzed without a change here.</summary>
    private static IEnumerable<(string, Action<byte[], object>, object)> RequestTypes(JsonSerializerContext context)
    {
        var readAs = typeof(JsonTarget).GetMethod(
            nameof(ReadAs),
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static
        )!;
        foreach (var p in context.GetType().GetProperties())
        {
            var type = p.PropertyType;
            if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(JsonTypeInfo<>))
                continue;
            var shape = type.GetGenericArguments()[0];
            if (!shape.Name.EndsWith("Request", StringComparison.Ordinal))
                continue;
            var read = readAs.MakeGenericMethod(shape).CreateDelegate<Action<byte[], object>>();
            yield return (shape.Name, read, p.GetValue(context)!);
        }
    }

    private static void ReadAs<T>(byte[] body, object info)
        where T : class, new()
    {
        var typeInfo = (JsonTypeInfo<T>)info;
        var request = AwsJson.Read(body, typeInfo);
        JsonSerializer.SerializeToUtf8Bytes(request, typeInfo);
    }
}
