using System.Xml.Linq;
using Cubicle.Storage;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Cubicle.Server;

/// <summary>
/// Keeps ASP.NET Core's data protection key ring (which protects anti-forgery tokens) in the database, so every
/// node reads and writes the same keys; each key is encrypted under the master key before it is stored.
/// </summary>
public sealed class DatabaseXmlRepository(IDatabase db, TimeProvider time) : IXmlRepository
{
    // The key ring is read at start and when it rotates (days apart): a blocking call here costs nothing.
    public IReadOnlyCollection<XElement> GetAllElements() =>
        db.ReadAsync(u => u.Keys.KeyRingAsync()).GetAwaiter().GetResult().Select(x => XElement.Parse(x)).ToList();

    public void StoreElement(XElement element, string friendlyName) =>
        db.WriteAsync(
                Journal.Service,
                async u =>
                {
                    await u.Keys.AddToKeyRingAsync(
                        friendlyName,
                        element.ToString(SaveOptions.DisableFormatting),
                        time.GetUtcNow().ToUnixTimeMilliseconds()
                    );
                    return 0;
                }
            )
            .GetAwaiter()
            .GetResult();
}
