using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>What a client sees when the gateway's own code or the cluster fails: LoginRadius JSON, never a stack trace.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UnhandledExceptionTests(ClusterFixture fixture)
{
    [Fact]
    public async Task An_unhandled_exception_is_950_without_details()
    {
        await using var gateway = new GatewayFactory(fixture, web => web.ConfigureServices(services => services.AddSingleton<IStartupFilter, ThrowingRoute>()));
        var response = await gateway.CreateClient().GetAsync("/test/throw");

        var error = await Api.ExpectErrorAsync(response, 500, 950);
        Assert.DoesNotContain("internal detail", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>A route after the gateway's own pipeline that fails, standing in for any bug.</summary>
    private sealed class ThrowingRoute : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.Map("/test/throw", branch => branch.Run(_ => throw new InvalidOperationException("internal detail")));
        };
    }
}

/// <summary>A cluster of its own, so its silo can be stopped under the gateway.</summary>
public sealed class ClusterOutageTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Store);
            silo.Services.AddPinOrleansGrainServices(ClusterFixture.Configuration);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task When_the_cluster_is_gone_requests_get_503_with_retry_after_and_ready_fails()
    {
        await using var gateway = new GatewayOver(_cluster);
        var http = gateway.CreateClient();
        await Api.ExpectAsync(await http.GetAsync("/health/ready"), System.Net.HttpStatusCode.OK);

        foreach (var silo in _cluster.Silos.ToList())
        {
            await _cluster.StopSiloAsync(silo);
        }

        var response = await http.PostAsync($"/identity/v2/auth/login/pin?apikey={Guid.NewGuid()}&session_token={Guid.NewGuid()}",
            new StringContent("""{"pin":"7890"}""", System.Text.Encoding.UTF8, "application/json"));
        await Api.ExpectErrorAsync(response, 503, 503);
        Assert.Equal("1", response.Headers.RetryAfter?.ToString());
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
    }
}
