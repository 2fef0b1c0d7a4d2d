using Cubicle.Protocol;

namespace Cubicle.Server;

/// <summary>
/// The root key of the default account and the mode it may be used in. Loopback developer mode: every --urls
/// address is loopback and no --trusted-proxies is set, so only this host's own processes reach the API. Only then
/// are the well-known key test/test, a root secret shorter than <see cref="MinSecretLength"/> and /metrics without a
/// token allowed: a proxy, even one on this host, forwards the whole network to a loopback listener.
/// </summary>
public static class RootKey
{
    public const int MinSecretLength = 32;

    /// <summary>The root key from the environment (test/test without one), or null with the reason it is refused.
    /// </summary>
    public static AccessKey? Read(bool developerMode, bool behindProxy, bool localDesktops, out string? refusal)
    {
        var id = Environment.GetEnvironmentVariable("CUBICLE_ROOT_ACCESS_KEY_ID");
        var secret = Environment.GetEnvironmentVariable("CUBICLE_ROOT_SECRET_ACCESS_KEY");
        refusal = null;
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            refusal =
                behindProxy
                    ? "--trusted-proxies puts Cubicle behind a proxy that forwards other hosts to it, so set "
                        + "CUBICLE_ROOT_ACCESS_KEY_ID and CUBICLE_ROOT_SECRET_ACCESS_KEY: the default test/test root "
                        + "key is refused."
                : !developerMode
                    ? "Cubicle listens beyond loopback, so set CUBICLE_ROOT_ACCESS_KEY_ID and "
                        + "CUBICLE_ROOT_SECRET_ACCESS_KEY for the root key."
                // A desktop's user shares the host: a well-known key would let any of them drive the API.
                : localDesktops
                    ? "--desktops local runs untrusted users on this host, so set CUBICLE_ROOT_ACCESS_KEY_ID and "
                        + "CUBICLE_ROOT_SECRET_ACCESS_KEY: the default test/test root key is refused."
                : null;
            (id, secret) = ("test", "test");
        }
        else if (!developerMode && secret.Length < MinSecretLength)
            refusal =
                $"CUBICLE_ROOT_SECRET_ACCESS_KEY has {secret.Length} characters: outside loopback developer mode "
                + $"(every --urls address loopback, no --trusted-proxies) the root secret needs {MinSecretLength} at "
                + "least (openssl rand -base64 32 makes one).";
        return refusal is null ? new AccessKey(id, secret, CubicleOptions.DefaultAccountId, null, IsRoot: true) : null;
    }

    /// <summary>The start-up line saying which mode is in force.</summary>
    public static string Mode(bool developerMode, bool localDesktops, AccessKey root) =>
        developerMode
            ? "Loopback developer mode (every --urls address is loopback, no --trusted-proxies): only this host "
                + (
                    localDesktops
                        ? "reaches the API, so short root secrets are allowed (not the well-known test/test: desktops "
                            + "run untrusted users on this host) and "
                        : "reaches the API, so the well-known root key test/test and short root secrets are allowed "
                            + "and "
                )
                + "/metrics needs no token."
                + (
                    root is { AccessKeyId: "test", SecretAccessKey: "test" }
                        ? $" The root key of account " + $"{root.AccountId} is test/test."
                        : ""
                )
            : "Not in loopback developer mode (Cubicle listens beyond loopback or behind --trusted-proxies): the "
                + $"root key must be set, with a secret of {MinSecretLength} characters or more, and /metrics on the "
                + "API's address needs --metrics-token.";
}
