using PinOrleans.Tenants;

namespace PinOrleans.Security;

/// <summary>
/// The secrets inside tenant settings (<see cref="TenantCredentials"/>: captcha keys; each webhook subscription's Basic
/// password, bearer token and signing key) as they are stored: sealed by
/// <see cref="AtRestEncryption"/> under a <c>sealed:v1:</c> prefix. The tenant grain writes sealed settings and keeps
/// the opened ones in memory; a value without the prefix (written before sealing existed) is read as it is and
/// sealed by the next write.
/// </summary>
public static class SealedSettings
{
    private const string Prefix = "sealed:v1:";

    public static TenantSettings Seal(TenantSettings settings, AtRestEncryption encryption) => TenantCredentials.Map(settings, value => Prefix + encryption.Protect(value));

    /// <summary>Opens sealed values; one sealed under another pepper (or altered) reads as absent.</summary>
    public static TenantSettings Open(TenantSettings settings, AtRestEncryption encryption) =>
        TenantCredentials.Map(settings, value => value.StartsWith(Prefix, StringComparison.Ordinal) ? encryption.Unprotect(value[Prefix.Length..]) : value);
}
