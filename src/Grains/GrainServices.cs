using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PinOrleans.Security;

namespace PinOrleans;

/// <summary>Registers what the grains need from the host: hashing (with its pepper) and the clock.</summary>
public static class GrainServices
{
    public static IServiceCollection AddPinOrleansGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HashingOptions>().Bind(configuration.GetSection(HashingOptions.Section));
        services.TryAddSingleton<ISecretHasher, Argon2idSecretHasher>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}
