using Cubicle.Accounts;
using Cubicle.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace Cubicle.Server;

/// <summary>The browser pages' anti-forgery tokens, protected by a key ring every node shares (kept in the
/// database under the master key), in one cookie for the whole server.</summary>
internal static class BrowserProtection
{
    public static void Add(IServiceCollection services, IDatabase db, MasterKey master, string[] urls)
    {
        services.AddDataProtection().SetApplicationName("cubicle");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(
            o =>
            {
                o.XmlRepository = new DatabaseXmlRepository(db, sp.GetRequiredService<TimeProvider>());
                o.XmlEncryptor = new MasterKeyXmlEncryptor(master);
            }
        ));
        var httpsOnly = urls.All(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        services.AddAntiforgery(o =>
        {
            // The __Host- prefix (Secure, Path=/) where every URL is https.
            o.Cookie.Name = httpsOnly ? "__Host-cubicle_antiforgery" : "cubicle_antiforgery";
            o.Cookie.SecurePolicy = httpsOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            // The console's scripts send the request token in this header; the desktop page's form in a field.
            o.HeaderName = ConsoleWeb.CsrfHeader;
        });
    }
}
