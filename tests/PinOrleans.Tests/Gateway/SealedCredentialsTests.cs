using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PinOrleans.Security;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Captcha and webhook credentials are sealed at rest like the API secret: what storage holds for a tenant never
/// carries them in clear, no answer shows them once set, and the service still uses them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SealedCredentialsTests(ClusterFixture fixture)
{
    private const string CaptchaSecret = "captcha-secret-0123456789";
    private const string TencentKey = "tencent-app-secret-key-0123";
    private const string HookPassword = "hook-password-0123456789";
    private const string HookToken = "hook-bearer-token-0123456789";

    [Fact]
    public async Task Stored_tenant_state_holds_captcha_and_webhook_credentials_only_sealed()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings
        {
            BotProtection = new BotProtectionPolicy { Provider = BotProtectionProvider.ReCaptchaV2, Secret = CaptchaSecret, TencentAppId = "190000", TencentAppSecretKey = TencentKey },
        });
        var manage = $"/v2/manage/webhooks?apikey={tenant.ApiKey}&apisecret={Uri.EscapeDataString(tenant.ApiSecret)}";
        var basic = await Api.ExpectAsync(await fixture.Api.PostAsync(manage, new
        {
            Event = "Login", TargetUrl = "https://crm.example.com/in", Authentication = new { AuthType = "Basic", BasicAuth = new { Username = "crm", Password = HookPassword } },
        }), HttpStatusCode.OK);
        await Api.ExpectAsync(await fixture.Api.PostAsync(manage, new
        {
            Event = "Login", TargetUrl = "https://bearer.example.com/in", Authentication = new { AuthType = "BearerToken", BearerToken = new { Token = HookToken } },
        }), HttpStatusCode.OK);
        var signingKey = basic.GetProperty("SigningKey").GetString()!;

        var grain = fixture.Grains.GetGrain<ITenantGrain>(tenant.ApiKey);
        var stored = JsonSerializer.Serialize(await fixture.StoredStateAsync<TenantState>("tenant", grain));
        foreach (var secret in new[] { CaptchaSecret, TencentKey, HookPassword, HookToken, signingKey, tenant.ApiSecret })
        {
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }

        Assert.Contains("sealed:v1:", stored, StringComparison.Ordinal);

        // In use they are whole again; in answers they are masked.
        var settings = (await fixture.SnapshotAsync(tenant)).Settings;
        Assert.Equal((CaptchaSecret, TencentKey), (settings.BotProtection.Secret, settings.BotProtection.TencentAppSecretKey));
        Assert.Contains(settings.Webhooks.Subscriptions, s => s.SigningKey == signingKey && s.Authentication!.BasicAuth!.Password == HookPassword);
        var answer = await (await fixture.Api.SendAsync(HttpMethod.Get, $"/pinorleans/v1/tenant/settings?apikey={tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret })).Content.ReadAsStringAsync();
        foreach (var secret in new[] { CaptchaSecret, TencentKey, HookPassword, HookToken, signingKey })
        {
            Assert.DoesNotContain(secret, answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Sealed_settings_open_to_what_was_sealed_and_values_from_before_sealing_read_as_they_are()
    {
        var encryption = new AtRestEncryption(Options.Create(new HashingOptions { Pepper = ClusterFixture.Configuration["Hashing:Pepper"] }));
        var settings = new TenantSettings
        {
            BotProtection = new BotProtectionPolicy { Secret = CaptchaSecret, TencentAppSecretKey = TencentKey },
            Webhooks = new WebhookPolicy
            {
                Subscriptions =
                [
                    new WebhookSubscription { Id = "a", SigningKey = "k".PadRight(40, 'k'), Authentication = new WebhookAuthentication { AuthType = "Basic", BasicAuth = new WebhookBasicAuth { Username = "u", Password = HookPassword } } },
                    new WebhookSubscription { Id = "b", Authentication = new WebhookAuthentication { AuthType = "BearerToken", BearerToken = new WebhookBearerToken { Token = HookToken } } },
                ],
            },
        };

        var sealedSettings = SealedSettings.Seal(settings, encryption);
        var text = TenantSettingsJson.Canonical(sealedSettings);
        Assert.DoesNotContain(HookPassword, text, StringComparison.Ordinal);
        Assert.DoesNotContain(CaptchaSecret, text, StringComparison.Ordinal);
        Assert.Equal(TenantSettingsJson.Canonical(settings), TenantSettingsJson.Canonical(SealedSettings.Open(sealedSettings, encryption)));
        Assert.Equal(TenantSettingsJson.Canonical(settings), TenantSettingsJson.Canonical(SealedSettings.Open(settings, encryption)));

        // Under another pepper a sealed value opens to nothing, never to garbage.
        var other = new AtRestEncryption(Options.Create(new HashingOptions { Pepper = Convert.ToBase64String(new byte[32]) }));
        Assert.Null(SealedSettings.Open(sealedSettings, other).BotProtection.Secret);
    }
}
