using System.Security.Cryptography;
using System.Text;
using Cubicle.Protocol;
using Microsoft.AspNetCore.Http;

namespace Cubicle.Fuzz;

/// <summary>
/// The SigV4 parsers on text made of the input, lines split at '\n': line 0 is an Authorization header
/// (SigV4Authorization.Parse), line 1 a path (SigV4.CanonicalPath), line 2 a query (SigV4.CanonicalQuery), the
/// rest "name:value" headers; then SigV4.CanonicalRequest over them, and the whole check as the endpoint runs it
/// (Authenticator.AuthenticateAsync) on a request with those headers. Only ApiException may come out.
/// </summary>
public static class SigV4Target
{
    // The clock of the captured requests in the corpus (wire-format notes), so that their dates are current.
    private static readonly Authenticator Authenticator = new(new OneKey(), new FixedTime());

    public static void Run(byte[] input)
    {
        // Kestrel hands header bytes to the API as Latin-1 (ServerHost), so every byte is one character; a path
        // arrives decoded from UTF-8.
        var lines = Encoding.Latin1.GetString(input).Split('\n');
        var utf8 = Encoding.UTF8.GetString(input).Split('\n');
        string Line(string[] all, int i) => i < all.Length ? all[i] : "";

        SigV4Authorization? auth = null;
        Allow(() => auth = SigV4Authorization.Parse(Line(lines, 0), "AKIDEXAMPLE"));
        Allow(() => SigV4.CanonicalPath(Line(lines, 1)));
        Allow(() => SigV4.CanonicalPath(Line(utf8, 1)));
        Allow(() => SigV4.CanonicalQuery(Line(lines, 2)));
        Allow(() => SigV4.CanonicalQuery(Line(utf8, 2)));

        var headers = new List<(string Name, string Value)>();
        for (var i = 3; i < lines.Length; i++)
        {
            var colon = lines[i].IndexOf(':');
            headers.Add(colon < 0 ? (lines[i], "") : (lines[i][..colon], lines[i][(colon + 1)..]));
        }
        var signed = auth?.SignedHeaders ?? Line(lines, 0).Split(';');
        var hash = SigV4.Hex(SHA256.HashData(input));
        Allow(() => SigV4.CanonicalRequest("POST", Line(utf8, 1), Line(lines, 2), headers, signed, hash));
        Allow(() => Authenticate(Line(lines, 0), Line(utf8, 1), Line(lines, 2), headers, input));
    }

    private static void Authenticate(
        string authorization,
        string path,
        string query,
        List<(string Name, string Value)> headers,
        byte[] body
    )
    {
        var http = new DefaultHttpContext();
        var request = http.Request;
        request.Method = "POST";
        if (path.StartsWith('/'))
            request.Path = new PathString(path);
        if (query.StartsWith('?'))
            request.QueryString = new QueryString(query);
        foreach (var (name, value) in headers)
            if (name.Length > 0)
                request.Headers.Append(name, value);
        if (authorization.Length > 0)
            request.Headers.Authorization = authorization;
        Authenticator.AuthenticateAsync(request, body, "workspaces").AsTask().GetAwaiter().GetResult();
    }

    private static void Allow(Action action)
    {
        try
        {
            action();
        }
        catch (ApiException) { }
    }

    private sealed class OneKey : IKeyStore
    {
        private static readonly AccessKey Key = new("AKIDEXAMPLE", "secret", "000000000000", null, IsRoot: true);

        public string? RootKeyId => Key.AccessKeyId;

        public ValueTask<AccessKey?> FindAsync(string accessKeyId) =>
            ValueTask.FromResult(accessKeyId == Key.AccessKeyId ? Key : null);
    }

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 28, 16, 34, 20, TimeSpan.Zero);
    }
}
