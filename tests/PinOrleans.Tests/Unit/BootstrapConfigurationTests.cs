using Microsoft.Extensions.Configuration;
using PinOrleans.Silo;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Unit;

/// <summary>
/// The bootstrap tenant's settings come from plain configuration: environment variables as docs/configuration.md and docs/lockout.md write them
/// (<c>Bootstrap__Tenant__Lockout__MaxFailedAttempts</c>), read by the silo's own binding.
/// </summary>
public sealed class BootstrapConfigurationTests
{
    [Fact]
    public void Lockout_bot_protection_and_webhook_settings_are_read_from_environment_variables()
    {
        var prefix = $"PINORLEANS_TEST_{Guid.NewGuid():N}_";
        var variables = new Dictionary<string, string>
        {
            ["Bootstrap__Tenant__ApiKey"] = "6d6d1a8d-0fe4-4f2e-a3bd-179edbb2c0af",
            ["Bootstrap__Tenant__Name"] = "Configured",
            ["Bootstrap__Tenant__Lockout__MaxFailedAttempts"] = "3",
            ["Bootstrap__Tenant__Lockout__Type"] = "Captcha",
            ["Bootstrap__Tenant__Lockout__SuspendSeconds"] = "120",
            ["Bootstrap__Tenant__Lockout__EscalationWindow"] = "06:00:00",
            ["Bootstrap__Tenant__Lockout__MaxSuspendSeconds"] = "3600",
            ["Bootstrap__Tenant__BotProtection__Provider"] = "ReCaptchaV3",
            ["Bootstrap__Tenant__BotProtection__Secret"] = "captcha-secret",
            ["Bootstrap__Tenant__BotProtection__MinScore"] = "0.7",
            ["Bootstrap__Tenant__BotProtection__Action"] = "pin_login",
            ["Bootstrap__Tenant__BotProtection__RequireOnPinLogin"] = "true",
            ["Bootstrap__Tenant__Webhooks__Subscriptions__0__Event"] = "Login",
            ["Bootstrap__Tenant__Webhooks__Subscriptions__0__TargetUrl"] = "http://hooks.internal/login",
            ["Bootstrap__Tenant__Webhooks__Subscriptions__0__Headers__X-Env"] = "prod",
            // The older spelling is still read; the direct one wins where both are set.
            ["Bootstrap__Tenant__Settings__Pin__MinLength"] = "6",
            ["Bootstrap__Tenant__Settings__Lockout__MaxFailedAttempts"] = "9",
        };
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(prefix + name, value);
        }

        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            var options = new BootstrapTenantOptions();
            BootstrapTenantOptions.Bind(configuration, options);

            Assert.Equal("Configured", options.Name);
            var lockout = options.Settings.Lockout;
            Assert.Equal((3, LockoutType.Captcha, 120, TimeSpan.FromHours(6), 3600),
                (lockout.MaxFailedAttempts, lockout.Type, lockout.SuspendSeconds, lockout.EscalationWindow, lockout.MaxSuspendSeconds));
            var bot = options.Settings.BotProtection;
            Assert.Equal((BotProtectionProvider.ReCaptchaV3, "captcha-secret", 0.7, "pin_login", true),
                (bot.Provider, bot.Secret, bot.MinScore, bot.Action, bot.RequireOnPinLogin));
            var subscription = Assert.Single(options.Settings.Webhooks.Subscriptions);
            Assert.Equal((WebhookEvents.Login, "http://hooks.internal/login", "prod"), (subscription.Event, subscription.TargetUrl, subscription.Headers["X-Env"]));
            Assert.Equal(6, options.Settings.Pin.MinLength);
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(prefix + name, null);
            }
        }
    }

    private static TenantSettings Bound(Dictionary<string, string?> settings)
    {
        var options = new BootstrapTenantOptions();
        BootstrapTenantOptions.Bind(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), options);
        return options.Settings;
    }

    [Fact]
    public void The_demo_tenant_of_run_sh_binds_its_allowlist_and_passes_the_check()
    {
        var settings = Bound(new()
        {
            ["Bootstrap:Tenant:Recovery:ResetPinUrl"] = "http://localhost:3000/reset-pin",
            ["Bootstrap:Tenant:AllowedDomains:0"] = "localhost:3000",
            ["Bootstrap:Tenant:AllowedDomains:1"] = "127.0.0.1:3000",
        });

        Assert.Equal(["localhost:3000", "127.0.0.1:3000"], settings.AllowedDomains);
        Assert.Null(settings.Problem());
        Assert.NotNull(AllowedLinks.Resolve("http://127.0.0.1:3000/reset-pin", settings.Recovery.ResetPinUrl, settings.AllowedDomains).Page);
    }

    [Theory]
    [InlineData("Bootstrap:Tenant:AllowedDomains:0", "http://app.example.com", "AllowedDomains")]
    [InlineData("Bootstrap:Tenant:Recovery:ResetPinUrl", "http://app.example.com/reset", "Recovery:ResetPinUrl")]
    [InlineData("Bootstrap:Tenant:Tokens:RefreshTokenDays", "0", "Tokens:RefreshTokenDays")]
    [InlineData("Bootstrap:Tenant:Lockout:MaxSuspendSeconds", "-1", "Lockout:MaxSuspendSeconds")]
    [InlineData("Bootstrap:Tenant:Password:MinLength", "0", "Password:MinLength")]
    public void Bootstrap_settings_are_checked_like_any_change(string key, string value, string setting) =>
        Assert.StartsWith(setting, Bound(new() { [key] = value }).Problem(), StringComparison.Ordinal);
}
