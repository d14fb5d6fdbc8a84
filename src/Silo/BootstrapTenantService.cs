using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PinOrleans.Tenants;

namespace PinOrleans.Silo;

/// <summary>The tenant a silo ensures at startup (configuration section <c>Bootstrap:Tenant</c>).</summary>
public sealed class BootstrapTenantOptions
{
    public const string Section = "Bootstrap:Tenant";

    /// <summary>The API key (a GUID). Unset: the cluster generates a tenant once and prints it.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The API secret. Required when the tenant does not exist yet; unset keeps the stored one.</summary>
    public string? ApiSecret { get; set; }

    public string Name { get; set; } = "Demo";

    /// <summary>The tenant's settings: the sections under <c>Bootstrap:Tenant</c> (<c>Lockout</c>, <c>BotProtection</c>, <c>Pin</c>, ...).</summary>
    public TenantSettings Settings { get; set; } = new();

    /// <summary>
    /// Reads <c>Bootstrap:Tenant</c> of <paramref name="configuration"/> into <paramref name="options"/>. Settings
    /// sections sit right under it (<c>Bootstrap:Tenant:Lockout:MaxFailedAttempts</c>, environment
    /// <c>Bootstrap__Tenant__Lockout__MaxFailedAttempts</c>); the older <c>Bootstrap:Tenant:Settings:*</c> spelling is
    /// still read, and the direct one wins.
    /// </summary>
    public static void Bind(IConfiguration configuration, BootstrapTenantOptions options)
    {
        var section = configuration.GetSection(Section);
        section.Bind(options);
        section.Bind(options.Settings);
    }
}

/// <summary>Creates or updates the bootstrap tenant once the silo runs (hosted services start after the silo).</summary>
public sealed partial class BootstrapTenantService(IGrainFactory grains, IOptions<BootstrapTenantOptions> options, ILogger<BootstrapTenantService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (string.IsNullOrWhiteSpace(o.ApiKey))
        {
            var generated = await grains.GetGrain<IGeneratedTenantGrain>(0).EnsureAsync(o.Name, o.Settings);
            if (generated.ApiSecret is not null)
            {
                // Printed once, to the console only: the secret is stored hashed and cannot be shown again.
                Console.WriteLine($"Generated tenant '{o.Name}': API key {generated.ApiKey}, API secret {generated.ApiSecret.Value.Value} (shown once; keep it).");
            }

            LogTenantReady(logger, o.Name, generated.ApiKey);
            return;
        }

        if (!Guid.TryParse(o.ApiKey, out _))
        {
            throw new InvalidOperationException("Bootstrap:Tenant:ApiKey must be a GUID.");
        }

        var definition = new TenantDefinition { Name = o.Name, ApiSecret = string.IsNullOrWhiteSpace(o.ApiSecret) ? (Sensitive?)null : new Sensitive(o.ApiSecret), Settings = o.Settings };
        await grains.Reference<ITenantGrain>(o.ApiKey.Trim().ToLowerInvariant()).BootstrapAsync(definition);
        LogTenantReady(logger, o.Name, o.ApiKey);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant '{Name}' ready, API key {ApiKey}")]
    private static partial void LogTenantReady(ILogger logger, string name, string apiKey);
}
