using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PinOrleans;

/// <summary>
/// The clock of the service's own rules (expiries, locks, trials, caches, webhook schedules): the host's
/// <see cref="TimeProvider"/>, resolved under a key of its own (<c>[FromKeyedServices(ServiceClock.Key)]</c>) so a
/// test can move it without moving the clock Orleans itself resolves for membership, reminders and call timeouts.
/// </summary>
public static class ServiceClock
{
    public const string Key = "PinOrleans";

    /// <summary>The system clock, unless the host registered another under <see cref="Key"/> or unkeyed.</summary>
    public static IServiceCollection AddServiceClock(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton<TimeProvider>(Key, static (sp, _) => sp.GetRequiredService<TimeProvider>());
        return services;
    }
}
