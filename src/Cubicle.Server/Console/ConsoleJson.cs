using System.Text.Json.Serialization;

namespace Cubicle.Server;

/// <summary>The console's sign-in form.</summary>
internal sealed record ConsoleSignIn(string? AccessKeyId, string? SecretAccessKey, string? Region);

/// <summary>What the console's pages know of their session.</summary>
internal sealed record ConsoleSession(
    bool SignedIn,
    string CsrfHeader,
    string? CsrfToken,
    string? AccessKeyId = null,
    string? AccountId = null,
    string? PrincipalArn = null,
    string? Region = null,
    Dictionary<string, bool>? Allowed = null
);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull
)]
[JsonSerializable(typeof(ConsoleSignIn))]
[JsonSerializable(typeof(ConsoleSession))]
internal sealed partial class ConsoleJson : JsonSerializerContext;
