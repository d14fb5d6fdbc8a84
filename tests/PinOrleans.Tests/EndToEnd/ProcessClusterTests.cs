using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Azure.Data.Tables;
using PinOrleans.Sessions;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.EndToEnd;

/// <summary>
/// The shipped binaries as an operator runs them: two silo processes on their own ports forming one cluster through
/// the Azure Table membership in a real Azurite, and a gateway process finding them there.
/// </summary>
public sealed class ProcessClusterTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IAsyncLifetime
{
    private readonly List<Process> _processes = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private readonly string _clusterId = $"e2e{Guid.NewGuid():N}";
    private readonly string _apiKey = Guid.NewGuid().ToString("D");
    private readonly string _apiSecret = SecretToken.New();
    private readonly string _pepper = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Two_silos_join_through_azure_table_membership_and_the_gateway_logs_in_with_a_pin()
    {
        StartSilo();
        StartSilo();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{StartGateway()}") };
        await WaitReadyAsync(http);
        Assert.Equal(2, await ActiveSilosAsync());

        var api = new Api(http);
        var tenant = new TestTenant(_apiKey, _apiSecret);
        var (_, session) = await api.AccountWithSessionAsync(tenant);
        await Api.ExpectAsync(await api.PinLoginAsync(tenant, session, "7890"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, session, "0000"), 401, 1236);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    private void StartSilo()
    {
        var silo = TestEnvironment.FreePort();
        var gateway = TestEnvironment.FreePort();
        Start("Silo", new()
        {
            ["Cluster__SiloPort"] = silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Hashing__Pepper"] = _pepper,
            ["Bootstrap__Tenant__ApiKey"] = _apiKey,
            ["Bootstrap__Tenant__ApiSecret"] = _apiSecret,
        });
    }

    private int StartGateway()
    {
        var port = TestEnvironment.FreePort();
        Start("Gateway", new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" });
        return port;
    }

    private void Start(string project, Dictionary<string, string> environment)
    {
        var binaries = Path.Combine(TestEnvironment.RepositoryRoot(), "src", project, "bin", Configuration(), "net10.0");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = binaries, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(binaries, $"PinOrleans.{project}.dll"));
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Storage__ConnectionString"] = azurite.ConnectionString;
        start.Environment["Cluster__ClusterId"] = _clusterId;
        start.Environment["Cluster__ServiceId"] = _clusterId;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => _output.Enqueue($"{project}: {e.Data}");
        process.ErrorDataReceived += (_, e) => _output.Enqueue($"{project}! {e.Data}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    private async Task WaitReadyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_processes.Any(p => p.HasExited), "A process exited:\n" + string.Join('\n', _output.TakeLast(60)));
            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode && await ActiveSilosAsync() == 2)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(500);
        }

        Assert.Fail("The cluster did not become ready:\n" + string.Join('\n', _output.TakeLast(60)));
    }

    private async Task<int> ActiveSilosAsync()
    {
        var count = 0;
        await foreach (var row in new TableServiceClient(azurite.ConnectionString).GetTableClient("OrleansSiloInstances").QueryAsync<TableEntity>())
        {
            if (row.GetString("DeploymentId") == _clusterId && row.GetString("Status") == "Active")
            {
                count++;
            }
        }

        return count;
    }

    private static string Configuration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";


}
