using Orleans.Dashboard;
using PinOrleans;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Endpoints;
using PinOrleans.Gateway.HostedPage;
using PinOrleans.Gateway.Hosting;
using PinOrleans.Gateway.Wire;

var builder = WebApplication.CreateBuilder(args);
builder.AddPinOrleansClient();
builder.AddPinOrleansTelemetry();
builder.Services.AddGatewayHealthChecks();
builder.Services.AddPinOrleansOpenApi();
builder.Services.ConfigureHttpJsonOptions(json => LoginRadiusJson.Configure(json.SerializerOptions));
builder.Services.AddServiceClock();
builder.Services.AddSingleton<TenantCache>();
builder.Services.AddSingleton<AdminGuard>();
builder.Services.AddHostedPage();
builder.Services.AddLoginRadiusRateLimits(builder.Configuration);
builder.Services.AddSingleton(new PinOrleans.Outbound.OutboundGuard(
    builder.Configuration.GetSection(PinOrleans.Outbound.OutboundOptions.Section).Get<PinOrleans.Outbound.OutboundOptions>() ?? new()));
CaptchaVerifier.Register(builder.Services, builder.Configuration);
builder.WebHost.ConfigureKestrel(kestrel => RequestLimits.Configure(kestrel.Limits));
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    // The documented default; ASPNETCORE_URLS, --urls or Urls in configuration choose another.
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

var app = builder.Build();
app.UseConfiguredForwardedHeaders();
app.UseHostedPageHeaders();
app.UseLoginRadiusErrors();
app.UseRateLimiter();
app.UsePreventWebhook();
app.MapHealthApi();
app.MapPinOrleansMetrics();
app.MapPinOrleansOpenApi();
app.MapManageAccountApi();
app.MapSottApi();
app.MapAuthLoginApi();
app.MapRegistrationApi();
app.MapAvailabilityApi();
app.MapVerificationApi();
app.MapAuthTokenApi();
app.MapAuthPinApi();
app.MapAuthProfileApi();
app.MapAccountDeletionApi();
app.MapIdentifiersApi();
app.MapPinRecoveryApi();
app.MapPasswordRecoveryApi();
app.MapStepUpApi();
app.MapLockoutApi();
app.MapWebhooksApi();
app.MapManageTokenApi();
app.MapAdminApi();
app.MapHostedPageApi();
if (!string.Equals(app.Configuration["Cluster:Clustering"], "CoHosted", StringComparison.OrdinalIgnoreCase))
{
    // The dashboard reads the silos' dashboard grains; a co-hosted test gateway has none.
    app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAdmin();
}

app.Run();

/// <summary>The gateway's entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
