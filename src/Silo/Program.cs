using Microsoft.Extensions.Hosting;

namespace PinOrleans.Silo;

/// <summary>
/// The silo's entry point. A class of its own rather than top-level statements: the gateway references this project
/// (<c>Cluster:HostSilo</c>), and two generated <c>Program</c> classes would clash in its OpenAPI document's XML comments.
/// </summary>
public static class SiloProgram
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddPinOrleansSilo();
        await builder.Build().RunAsync();
    }
}
