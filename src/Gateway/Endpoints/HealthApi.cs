using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (the gateway reaches the cluster).</summary>
public static class HealthApi
{
    public static IServiceCollection AddGatewayHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster", tags: ["ready"]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health");
        health.MapGet("/live", (HttpContext context) => Answer(context, new HealthReport(new Dictionary<string, HealthReportEntry>(), TimeSpan.Zero)))
            .WithName("Liveness").WithSummary("The gateway process is up.")
            .WithDescription("Answers as soon as the gateway process serves requests. Needs no credentials and is never rate limited.");
        health.MapGet("/ready", async (HttpContext context, HealthCheckService checks) =>
                Answer(context, await checks.CheckHealthAsync(c => c.Tags.Contains("ready"), context.RequestAborted)))
            .WithName("Readiness").WithSummary("The gateway reaches the Orleans cluster.")
            .WithDescription("Healthy when a management call to the Orleans cluster answers within two seconds and lists an active silo (503 when it does not). Needs no credentials and is never rate limited.");
        return app;
    }

    /// <summary>A health report: the overall status and each check's.</summary>
    public sealed record HealthAnswer(
        [property: Description("`Healthy`, `Degraded` or `Unhealthy`.")] string Status,
        [property: Description("Each check's status by name (`cluster` for readiness).")] Dictionary<string, string> Checks);

    /// <summary>200 unless unhealthy (503), never cached, as ASP.NET Core's health check middleware answers.</summary>
    private static Results<Ok<HealthAnswer>, JsonHttpResult<HealthAnswer>> Answer(HttpContext context, HealthReport report)
    {
        context.Response.Headers.CacheControl = "no-store, no-cache";
        var answer = new HealthAnswer(report.Status.ToString(), report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString()));
        return report.Status == HealthStatus.Unhealthy ? TypedResults.Json(answer, statusCode: StatusCodes.Status503ServiceUnavailable) : TypedResults.Ok(answer);
    }

    /// <summary>Healthy when a management call to the cluster answers within two seconds and lists an active silo.</summary>
    private sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
                return hosts.Count > 0 ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)") : HealthCheckResult.Unhealthy("No active silo.");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("The cluster does not answer.", e);
            }
        }
    }
}
