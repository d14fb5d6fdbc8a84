namespace PinOrleans.Tests.Compatibility;

public sealed partial class NodeSdkTests
{
    /// <summary>
    /// <c>configurationApi.getServerInfo</c> and <c>sottApi.generateSott</c>, unchanged; and the SDK's own request
    /// signing (<c>apiRequestSigning: true</c>), whose digest binds the text <c>undefined</c> instead of the URL and is
    /// refused with 1208 (docs/api.md, "Request signing").
    /// </summary>
    [Fact]
    public async Task The_unchanged_node_sdk_reads_the_server_time_and_generates_a_sott()
    {
        var tenant = await fixture.NewTenantAsync();
        await RunAsync("sott-journey.js", tenant);
    }
}
