using Microsoft.Extensions.Configuration;

namespace PinOrleans.Operations;

/// <summary>Whether telemetry leaves the process over OTLP: <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard OpenTelemetry variable).</summary>
public static class Otlp
{
    public static bool IsConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
}
