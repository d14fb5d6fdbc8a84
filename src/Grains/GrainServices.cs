using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PinOrleans.Messaging;
using PinOrleans.Security;

namespace PinOrleans;

/// <summary>Registers what the grains need from the host: hashing (with its pepper), the clock, and e-mail and SMS delivery.</summary>
public static class GrainServices
{
    public static IServiceCollection AddPinOrleansGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HashingOptions>().Bind(configuration.GetSection(HashingOptions.Section))
            .Validate(o => o.AdmissionValid, HashingOptions.AdmissionRules).ValidateOnStart();
        services.TryAddSingleton<ISecretHasher, Argon2idSecretHasher>();
        services.AddMetrics();
        services.TryAddSingleton<Operations.PinOrleansMetrics>();
        services.TryAddSingleton<HashingPool>();
        services.TryAddSingleton<PooledHasher>();
        services.TryAddSingleton<AtRestEncryption>();
        Webhooks.WebhookSender.Register(services);
        services.AddOptions<Webhooks.WebhookDeliveryOptions>().Bind(configuration.GetSection(Webhooks.WebhookDeliveryOptions.Section));
        services.AddServiceClock();
        services.AddOptions<StorageCircuitOptions>().Bind(configuration.GetSection(StorageCircuitOptions.Section))
            .Validate(o => o.Valid, "Storage:OperationTimeoutSeconds and Storage:CircuitOpenSeconds must be positive, Storage:CircuitFailures at least 1.").ValidateOnStart();
        services.TryAddSingleton(sp => new StorageCircuit(sp.GetRequiredService<IOptions<StorageCircuitOptions>>().Value, sp.GetRequiredKeyedService<TimeProvider>(ServiceClock.Key)));
        services.AddOptions<Expiry.ExpiryOptions>().Bind(configuration.GetSection(Expiry.ExpiryOptions.Section));
        services.AddOptions<Accounts.AccountWriteOptions>().Bind(configuration.GetSection(Accounts.AccountWriteOptions.Section));
        services.TryAddSingleton<Accounts.MembershipStability>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Accounts.MembershipStability>());
        services.TryAddSingleton<Expiry.ExpiryJournal>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Expiry.ExpiryJournal>());
        services.AddPinOrleansMessaging(configuration);
        return services;
    }

    /// <summary>SMTP (section <c>Email</c>) and the SMS provider chosen by <c>Sms:Provider</c>.</summary>
    public static IServiceCollection AddPinOrleansMessaging(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section));
        services.AddOptions<SmsOptions>().Bind(configuration.GetSection(SmsOptions.Section));
        // Every outbound HTTP call (SMS, webhooks) connects through the operator's guard (section Outbound).
        services.TryAddSingleton(new Outbound.OutboundGuard(configuration.GetSection(Outbound.OutboundOptions.Section).Get<Outbound.OutboundOptions>() ?? new()));
        SmtpEmailSender.Register(services);
        var provider = configuration.GetSection(SmsOptions.Section)[nameof(SmsOptions.Provider)] ?? "None";
        switch (provider.ToLowerInvariant())
        {
            case "twilio":
                services.AddHttpClient<ISmsSender, TwilioSmsSender>((sp, http) =>
                {
                    var o = sp.GetRequiredService<IOptions<SmsOptions>>().Value;
                    http.BaseAddress = new Uri(o.BaseUrl.TrimEnd('/') + "/");
                    http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline times each attempt and the whole
                })
                .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<Outbound.OutboundGuard>().CreateHandler())
                .AddStandardResilienceHandler(resilience =>
                {
                    var seconds = configuration.GetSection(SmsOptions.Section).GetValue(nameof(SmsOptions.TimeoutSeconds), 10);
                    resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(Math.Max(1, seconds / 2.0));
                    resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(seconds);
                    resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(Math.Max(seconds, 1) * 2);
                    resilience.Retry.MaxRetryAttempts = 2;
                    resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
                });
                break;
            case "file":
                services.TryAddSingleton<ISmsSender, FileSmsSender>();
                break;
            case "none":
                services.TryAddSingleton<ISmsSender, NoSmsSender>();
                break;
            default:
                throw new InvalidOperationException($"Sms:Provider '{provider}' is not one of None, Twilio, File.");
        }

        return services;
    }
}
