using System.Xml.Linq;
using Cubicle.Accounts;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Cubicle.Server;

/// <summary>Decrypts the data protection keys stored by <see cref="MasterKeyXmlEncryptor"/>.</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var master = services.GetRequiredService<MasterKey>();
        var plain = master.Open(Convert.FromBase64String(encryptedElement.Value), "data-protection-key");
        return XElement.Parse(System.Text.Encoding.UTF8.GetString(plain));
    }
}
