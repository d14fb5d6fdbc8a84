using PinOrleans.Gateway.Endpoints;
using PinOrleans.Gateway.Hosting;
using PinOrleans.Gateway.Wire;

var builder = WebApplication.CreateBuilder(args);
builder.AddPinOrleansClient();
builder.Services.AddGatewayHealthChecks();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = ApiRequest.MaxBodyBytes);

var app = builder.Build();
app.UseLoginRadiusErrors();
app.MapHealthApi();
app.MapManageAccountApi();
app.MapAuthLoginApi();
app.Run();

/// <summary>The gateway's entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
