using System.Text.Json;
using Cubicle.Protocol;

namespace Cubicle.Accounts;

/// <summary>
/// An IAM-style identity policy: statements with Effect Allow or Deny, Action/NotAction and
/// Resource/NotResource patterns (* and ? wildcards; actions match case-insensitively).
/// An explicit Deny wins; without an Allow, the call is denied.
/// </summary>
public sealed class IamPolicy : IAccessPolicy
{
    private sealed record Statement(
        bool Allow,
        string[]? Actions,
        string[]? NotActions,
        string[]? Resources,
        string[]? NotResources
    );

    private readonly Statement[] _statements;
    public string Json { get; }

    private IamPolicy(Statement[] statements, string json)
    {
        _statements = statements;
        Json = json;
    }

    public bool IsAllowed(string action, string resourceArn)
    {
        var allowed = false;
        foreach (var s in _statements)
        {
            if (!Applies(s, action, resourceArn))
                continue;
            if (!s.Allow)
                return false;
            allowed = true;
        }
        return allowed;
    }

    public bool MayAllow(string action)
    {
        var allowed = false;
        foreach (var s in _statements)
        {
            var actionMatches = s.Actions is not null
                ? s.Actions.Any(p => Glob(p, action, ignoreCase: true))
                : !s.NotActions!.Any(p => Glob(p, action, ignoreCase: true));
            if (!actionMatches)
                continue;
            if (!s.Allow && s.Resources?.Contains("*") == true)
                return false;
            if (s.Allow)
                allowed = true;
        }
        return allowed;
    }

    private static bool Applies(Statement s, string action, string resource)
    {
        var actionMatches = s.Actions is not null
            ? s.Actions.Any(p => Glob(p, action, ignoreCase: true))
            : !s.NotActions!.Any(p => Glob(p, action, ignoreCase: true));
        if (!actionMatches)
            return false;
        return s.Resources is not null
            ? s.Resources.Any(p => Glob(p, resource, ignoreCase: false))
            : !s.NotResources!.Any(p => Glob(p, resource, ignoreCase: false));
    }

    /// <summary>Wildcard match: * any run of characters, ? exactly one.</summary>
    public static bool Glob(string pattern, string text, bool ignoreCase)
    {
        int p = 0,
            t = 0,
            star = -1,
            mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], text[t], ignoreCase)))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
                return false;
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;

        static bool Same(char a, char b, bool ic) => ic ? char.ToLowerInvariant(a) == char.ToLowerInvariant(b) : a == b;
    }

    /// <summary>Parses and checks a policy document; FormatException says what is wrong.</summary>
    public static IamPolicy Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The policy is not valid JSON: {ex.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("Statement", out var st))
                throw new FormatException("The policy must be an object with a \"Statement\".");
            var list = st.ValueKind == JsonValueKind.Array ? st.EnumerateArray().ToArray() : [st];
            if (list.Length == 0)
                throw new FormatException("The policy has no statements.");
            var statements = list.Select(
                    (s, i) =>
                    {
                        if (s.ValueKind != JsonValueKind.Object)
                            throw new FormatException($"Statement[{i}] must be an object.");
                        if (s.TryGetProperty("Condition", out _))
                            throw new FormatException($"Statement[{i}]: Condition is not supported.");
                        if (s.TryGetProperty("Principal", out _) || s.TryGetProperty("NotPrincipal", out _))
                            throw new FormatException($"Statement[{i}]: an identity policy has no Principal.");
                        var effect = s.TryGetProperty("Effect", out var e) ? e.GetString() : null;
                        if (effect is not ("Allow" or "Deny"))
                            throw new FormatException($"Statement[{i}].Effect must be Allow or Deny.");
                        var actions = Strings(s, "Action", i);
                        var notActions = Strings(s, "NotAction", i);
                        if ((actions is null) == (notActions is null))
                            throw new FormatException($"Statement[{i}] needs exactly one of Action and NotAction.");
                        var resources = Strings(s, "Resource", i);
                        var notResources = Strings(s, "NotResource", i);
                        if ((resources is null) == (notResources is null))
                            throw new FormatException($"Statement[{i}] needs exactly one of Resource and NotResource.");
                        return new Statement(effect == "Allow", actions, notActions, resources, notResources);
                    }
                )
                .ToArray();
            return new IamPolicy(statements, json);
        }
    }

    private static string[]? Strings(JsonElement s, string name, int i)
    {
        if (!s.TryGetProperty(name, out var v))
            return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => [v.GetString()!],
            JsonValueKind.Array when v.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) =>
                v.EnumerateArray().Select(x => x.GetString()!).ToArray(),
            _ => throw new FormatException($"Statement[{i}].{name} must be a string or a list of strings."),
        };
    }
}
