using Microsoft.Extensions.Hosting;
using PinOrleans.Silo;

var builder = Host.CreateApplicationBuilder(args);
builder.AddPinOrleansSilo();
await builder.Build().RunAsync();
