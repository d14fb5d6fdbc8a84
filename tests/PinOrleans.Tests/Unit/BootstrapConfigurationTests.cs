using Microsoft.Extensions.Configuration;
using PinOrleans.Silo;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Unit;

/// <summary>
/// The bootstrap tenant's settings come from plain configuration: environment variables as the README writes them
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
}
