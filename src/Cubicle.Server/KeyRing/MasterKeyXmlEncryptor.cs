using System.Xml.Linq;
using Cubicle.Accounts;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Cubicle.Server;

/// <summary>
/// Encrypts the data protection keys under the master key (AES-256-GCM) before they reach the database.
/// </summary>
public sealed class MasterKeyXmlEncryptor(MasterKey master) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var sealedKey = master.Seal(
            System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting)),
            "data-protection-key"
        );
        return new EncryptedXmlInfo(
            new XElement("encryptedKey", Convert.ToBase64String(sealedKey)),
            typeof(MasterKeyXmlDecryptor)
        );
    }
}
