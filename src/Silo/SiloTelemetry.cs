using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PinOrleans.Silo;

/// <summary>Where a silo shows its metrics (configuration section <c>Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Port of the silo's Prometheus endpoint (<c>http://{MetricsHost}:{MetricsPort}/metrics</c>); 0 turns it off.</summary>
    public int MetricsPort { get; set; }

    public string MetricsHost { get; set; } = "127.0.0.1";
}

/// <summary>
/// OpenTelemetry for a silo: the <c>Microsoft.Orleans</c> meter and the service's own (<c>PinOrleans</c>: logins by
/// outcome, locks, hash duration and queue wait, webhook deliveries, storage operations) in Prometheus format on
/// <see cref="TelemetryOptions.MetricsPort"/>, and metrics and traces through OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Tags never carry a secret, a token or an account.
/// </summary>
public static class SiloTelemetry
{
    public static IHostApplicationBuilder AddPinOrleansTelemetry(this IHostApplicationBuilder builder, string instance)
    {
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new();
        var otlp = PinOrleans.Operations.Otlp.IsConfigured(builder.Configuration);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("pinorleans-silo", serviceInstanceId: instance))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter("Microsoft.Orleans", PinOrleans.Operations.PinOrleansMetrics.MeterName);
                if (options.MetricsPort > 0)
                {
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Host = options.MetricsHost;
                        listener.Port = options.MetricsPort;
                        listener.ScrapeEndpointPath = "/metrics";
                    });
                }

                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            // Traces only when something receives them: a listener makes every grain call build an activity.
            telemetry.WithTracing(tracing => tracing.AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application").AddOtlpExporter());
        }

        return builder;
    }
}
