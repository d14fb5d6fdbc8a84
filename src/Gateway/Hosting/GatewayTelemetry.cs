using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PinOrleans.Gateway.Hosting;

/// <summary>
/// OpenTelemetry for a gateway: HTTP server metrics, the Orleans client's meter and the service's own, scraped in
/// Prometheus format at <c>/metrics</c>; metrics and traces (HTTP requests, grain calls) through OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Query strings (which may carry tokens) are never recorded: traces keep
/// the route, not <c>url.query</c>.
/// </summary>
public static class GatewayTelemetry
{
    public const string MeterName = "PinOrleans";

    public static WebApplicationBuilder AddPinOrleansTelemetry(this WebApplicationBuilder builder)
    {
        var otlp = PinOrleans.Operations.Otlp.IsConfigured(builder.Configuration);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("pinorleans-gateway"))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddMeter("Microsoft.Orleans", MeterName).AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            // Traces only when something receives them: a listener makes every request and grain call build an activity.
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = context => !context.Request.Path.StartsWithSegments("/metrics");
                    // Query strings carry session and access tokens. The instrumentation redacts their values by
                    // default, but a setting can turn that off: drop the attribute, whatever the settings.
                    o.EnrichWithHttpRequest = (activity, _) => activity.SetTag("url.query", null);
                })
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddOtlpExporter());
        }

        return builder;
    }

    public static WebApplication MapPinOrleansMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
