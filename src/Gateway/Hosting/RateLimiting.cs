using System.Threading.RateLimiting;
using PinOrleans.Gateway.Wire;

namespace PinOrleans.Gateway.Hosting;

/// <summary>One fixed-window limit: <see cref="PermitLimit"/> requests per <see cref="WindowSeconds"/>; 0 turns it off.</summary>
public sealed class RateLimitWindow
{
    public int PermitLimit { get; set; }
    public double WindowSeconds { get; set; } = 1;
}

/// <summary>Request limits per client IP and per API key (configuration section <c>RateLimiting</c>); both off by default.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimiting";

    /// <summary>
    /// Per client: <c>X-Origin-IP</c> where it is believed (<see cref="ForwardedHeaders"/>: from known proxies or with the
    /// API secret, by default), else the connection's address.
    /// </summary>
    public RateLimitWindow PerIp { get; set; } = new();

    /// <summary>Per API key (query <c>apikey</c> or <c>X-LoginRadius-ApiKey</c>).</summary>
    public RateLimitWindow PerApiKey { get; set; } = new();

    /// <summary>
    /// The availability checks (<c>GET auth/email?email=</c>, <c>auth/username</c>, <c>auth/phone</c>), which tell
    /// whether an identifier is taken: per client and API key, on by default (20 a minute).
    /// </summary>
    public RateLimitWindow Availability { get; set; } = new() { PermitLimit = 20, WindowSeconds = 60 };
}

/// <summary>ASP.NET Core's rate limiter, partitioned by client IP and by API key; over a limit is HTTP 429 in LoginRadius' shape with Retry-After.</summary>
public static class RateLimiting
{
    /// <summary>The policy of the availability checks (<see cref="RateLimitOptions.Availability"/>).</summary>
    public const string AvailabilityPolicy = "availability";

    public static IServiceCollection AddLoginRadiusRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                Partitioned(options.PerIp, ClientIp),
                Partitioned(options.PerApiKey, context => ApiKey(context) ?? "-"));
            limiter.AddPolicy(AvailabilityPolicy, context => options.Availability.PermitLimit <= 0
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.GetFixedWindowLimiter(ClientIp(context) + "|" + (ApiKey(context) ?? "-"), _ => Window(options.Availability)));
            limiter.OnRejected = async (rejected, _) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await LoginRadiusJson.WriteErrorAsync(rejected.HttpContext.Response, LoginRadiusError.TooManyRequests);
            };
        });
        return services;
    }

    private static PartitionedRateLimiter<HttpContext> Partitioned(RateLimitWindow window, Func<HttpContext, string> key) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
            window.PermitLimit <= 0 || context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics")
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.GetFixedWindowLimiter(key(context), _ => Window(window)));

    private static FixedWindowRateLimiterOptions Window(RateLimitWindow window) => new()
    {
        PermitLimit = window.PermitLimit,
        Window = TimeSpan.FromSeconds(window.WindowSeconds),
        QueueLimit = 0,
    };

    private static string ClientIp(HttpContext context) => ApiRequest.ClientIp(context) ?? "-";

    private static string? ApiKey(HttpContext context) =>
        context.Request.Query["apikey"].FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim().ToLowerInvariant()
        ?? context.Request.Headers["X-LoginRadius-ApiKey"].FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim().ToLowerInvariant();
}
