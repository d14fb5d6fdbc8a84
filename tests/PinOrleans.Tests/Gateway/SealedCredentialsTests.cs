using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PinOrleans.Security;
using PinOrleans.Sessions;
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

        // In use they are whole again, asked for by the parts that use them; in snapshots and answers they are masked.
        var bot = (await grain.GetBotProtectionAsync())!;
        Assert.Equal((CaptchaSecret, TencentKey), (bot.Secret, bot.TencentAppSecretKey));
        var target = (await grain.GetWebhookTargetAsync(basic.GetProperty("Id").GetString()!))!;
        Assert.Equal((signingKey, HookPassword), (target.Subscription.SigningKey, target.Subscription.Authentication!.BasicAuth!.Password));
        Assert.Empty(target.Policy.Subscriptions);
        var answer = await (await fixture.Api.SendAsync(HttpMethod.Get, $"/pinorleans/v1/tenant/settings?apikey={tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret })).Content.ReadAsStringAsync();
        foreach (var secret in new[] { CaptchaSecret, TencentKey, HookPassword, HookToken, signingKey })
        {
            Assert.DoesNotContain(secret, answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task What_crosses_to_the_gateway_and_the_grains_on_every_call_carries_no_credential_and_written_back_keeps_them()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings
        {
            BotProtection = new BotProtectionPolicy { Provider = BotProtectionProvider.Tencent, TencentAppId = "190000", TencentAppSecretKey = TencentKey, Secret = CaptchaSecret },
        });
        var grain = fixture.Grains.GetGrain<ITenantGrain>(tenant.ApiKey);
        var saved = await grain.SaveWebhookAsync(new WebhookSubscription
        {
            Event = WebhookEvents.Login, TargetUrl = "https://crm.example.com/in",
            Authentication = new WebhookAuthentication { AuthType = "Basic", BasicAuth = new WebhookBasicAuth { Username = "crm", Password = HookPassword } },
        });
        var signingKey = saved.Subscription!.SigningKey!;
        var changed = await grain.ChangeSettingsAsync("""{"Lockout":{"MaxFailedAttempts":7}}""");

        var crossing = new object?[]
        {
            await fixture.SnapshotAsync(tenant), (await grain.AuthorizeAsync(tenant.ApiSecret, requireSecret: true)).Tenant, changed.Tenant,
            (await grain.GetInfoAsync()).Settings, await grain.RotateSecretAsync(SecretToken.New()),
        };
        foreach (var snapshot in crossing)
        {
            Assert.NotNull(snapshot);
            var text = JsonSerializer.Serialize(snapshot);
            foreach (var secret in new[] { CaptchaSecret, TencentKey, HookPassword, signingKey })
            {
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            }
        }

        // What is set still shows as set (a mask), what is not stays unset.
        var settings = (await fixture.SnapshotAsync(tenant)).Settings;
        Assert.Equal((TenantSettingsJson.Masked, TenantSettingsJson.Masked), (settings.BotProtection.Secret, settings.BotProtection.TencentAppSecretKey));
        var subscription = Assert.Single(settings.Webhooks.Subscriptions);
        Assert.Equal((TenantSettingsJson.Masked, TenantSettingsJson.Masked), (subscription.SigningKey, subscription.Authentication!.BasicAuth!.Password));
        Assert.Null(subscription.Authentication.BearerToken);

        // A snapshot's settings written back (say, by a tool) keep the credentials they show masked.
        await grain.ConfigureAsync(new TenantDefinition { Name = "Test", Settings = settings with { Lockout = settings.Lockout with { MaxFailedAttempts = 3 } } });
        Assert.Equal(3, (await fixture.SnapshotAsync(tenant)).Settings.Lockout.MaxFailedAttempts);
        Assert.Equal(TencentKey, (await grain.GetBotProtectionAsync())!.TencentAppSecretKey);
        var target = (await grain.GetWebhookTargetAsync(subscription.Id))!.Subscription;
        Assert.Equal((signingKey, HookPassword), (target.SigningKey, target.Authentication!.BasicAuth!.Password));
    }

    [Fact]
    public void Settings_shown_from_a_snapshot_read_exactly_as_they_did_from_the_full_settings()
    {
        var settings = new TenantSettings
        {
            BotProtection = new BotProtectionPolicy { Provider = BotProtectionProvider.ReCaptchaV2, Secret = CaptchaSecret, SiteKey = "site-key" },
            Webhooks = new WebhookPolicy
            {
                Subscriptions =
                [
                    new WebhookSubscription { Id = "a", SigningKey = WebhookSubscription.NewSigningKey(), Authentication = new WebhookAuthentication { AuthType = "Basic", BasicAuth = new WebhookBasicAuth { Username = "u", Password = HookPassword } } },
                    new WebhookSubscription { Id = "b", Authentication = new WebhookAuthentication { AuthType = "Basic", BasicAuth = new WebhookBasicAuth { Username = "u" } } },
                    new WebhookSubscription { Id = "c", Authentication = new WebhookAuthentication { AuthType = "BearerToken", BearerToken = new WebhookBearerToken { Token = HookToken } } },
                ],
            },
        };

        // GET settings renders what the gateway holds: the snapshot's masks show as the full settings' secrets did.
        Assert.Equal(TenantSettingsJson.Render(settings).ToJsonString(), TenantSettingsJson.Render(TenantCredentials.Withheld(settings)).ToJsonString());
        Assert.Null(TenantCredentials.Withheld(settings).BotProtection.TencentAppSecretKey);
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
