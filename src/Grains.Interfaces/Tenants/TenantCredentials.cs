namespace PinOrleans.Tenants;

/// <summary>
/// Where a tenant's secrets sit in its settings: the captcha <c>Secret</c> and <c>TencentAppSecretKey</c>, and each
/// webhook subscription's signing key, Basic password and bearer token. The one list that sealing them at rest,
/// withholding them from snapshots and keeping them when their mask comes back all go by.
/// </summary>
public static class TenantCredentials
{
    /// <summary>The settings with every secret that is set (not null or empty) replaced by <paramref name="map"/> of it.</summary>
    public static TenantSettings Map(TenantSettings settings, Func<string, string?> map)
    {
        string? Each(string? value) => string.IsNullOrEmpty(value) ? value : map(value);
        var bot = settings.BotProtection;
        return settings with
        {
            BotProtection = bot with { Secret = Each(bot.Secret), TencentAppSecretKey = Each(bot.TencentAppSecretKey) },
            Webhooks = settings.Webhooks with
            {
                Subscriptions = settings.Webhooks.Subscriptions.Select(s => s with
                {
                    SigningKey = Each(s.SigningKey),
                    Authentication = s.Authentication is not { } auth ? null : auth with
                    {
                        BasicAuth = auth.BasicAuth is { } basic ? basic with { Password = Each(basic.Password) ?? "" } : null,
                        BearerToken = auth.BearerToken is { } bearer ? bearer with { Token = Each(bearer.Token) ?? "" } : null,
                    },
                }).ToList(),
            },
        };
    }

    /// <summary>
    /// The settings as they cross to the gateway and the grains on every call (<see cref="TenantSnapshot"/>): every
    /// secret that is set reads <see cref="TenantSettingsJson.Masked"/>, so what is set still shows, and nothing
    /// secret travels. The components that use a secret ask the tenant grain for it when they do.
    /// </summary>
    public static TenantSettings Withheld(TenantSettings settings) => Map(settings, _ => TenantSettingsJson.Masked);

    /// <summary>
    /// <paramref name="given"/> with every secret that came back masked (settings from a snapshot, or from an
    /// answer) replaced by the one <paramref name="stored"/> holds: captcha keys in place, subscriptions by id.
    /// </summary>
    public static TenantSettings KeepMasked(TenantSettings given, TenantSettings? stored)
    {
        if (stored is null)
        {
            return given;
        }

        string? Keep(string? value, string? current) => value == TenantSettingsJson.Masked ? current : value;
        var bot = given.BotProtection;
        return given with
        {
            BotProtection = bot with
            {
                Secret = Keep(bot.Secret, stored.BotProtection.Secret),
                TencentAppSecretKey = Keep(bot.TencentAppSecretKey, stored.BotProtection.TencentAppSecretKey),
            },
            Webhooks = given.Webhooks with
            {
                Subscriptions = given.Webhooks.Subscriptions
                    .Select(s => s.Id.Length == 0 ? s : TenantSettingsJson.KeepMaskedSecrets(s, stored.Webhooks.Subscriptions.FirstOrDefault(c => c.Id == s.Id)))
                    .ToList(),
            },
        };
    }
}
