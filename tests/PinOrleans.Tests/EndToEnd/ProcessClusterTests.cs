using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using PinOrleans.Sessions;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.EndToEnd;

[RunsLong(15)]
public sealed class AzureTableProcessClusterTests(AzuriteFixture store) : ProcessClusterTests<AzuriteFixture>(store);

/// <summary>On a new PostgreSQL: the two silos start together, and the PostgreSQL tables are created once.</summary>
[RunsLong(15)]
public sealed class PostgresProcessClusterTests(PostgresFixture store) : ProcessClusterTests<PostgresFixture>(store);

/// <summary>
/// The shipped binaries as an operator runs them, on every store (one class each): two silo processes on their own
/// ports forming one cluster through the membership table in the store, and a gateway process finding them there;
/// their metrics, the dashboard behind the administrator, and a silo that leaves gracefully on SIGTERM.
/// </summary>
public abstract class ProcessClusterTests<TStore>(TStore store) : IClassFixture<TStore>, IAsyncLifetime where TStore : class, IStoreFixture
{
    private readonly List<Process> _processes = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private readonly string _clusterId = $"e2e{Guid.NewGuid():N}";
    private readonly string _apiKey = Guid.NewGuid().ToString("D");
    private readonly string _apiSecret = SecretToken.New();
    private readonly string _pepper = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly string _adminPassword = SecretToken.New();
    private readonly List<(Process Process, int MetricsPort)> _silos = [];

    [Fact]
    public async Task Two_silos_join_through_the_membership_table_and_the_gateway_logs_in_with_a_pin()
    {
        StartSilo();
        StartSilo();
        var http = new HttpClient(new RetryAfterHandler()) { BaseAddress = new Uri($"http://127.0.0.1:{StartGateway()}") };
        await WaitReadyAsync(http);
        Assert.Equal(2, await ActiveSilosAsync());

        var api = new Api(http);
        var tenant = new TestTenant(_apiKey, _apiSecret);
        await api.CreateAccountAsync(tenant, $"{Guid.NewGuid():N}@example.com", pin: null);
        var (_, session) = await api.AccountWithSessionAsync(tenant);
        await Api.ExpectAsync(await api.PinLoginAsync(tenant, session, "7890"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, session, "0000"), 401, 1236);

        // Prometheus on every silo (the service's counters live where the grains run) and on the gateway.
        var scraped = await Task.WhenAll(_silos.Select(s => new HttpClient().GetStringAsync($"http://127.0.0.1:{s.MetricsPort}/metrics")));
        Assert.All(scraped, text => Assert.Contains("# TYPE orleans_", text, StringComparison.Ordinal));
        Assert.Contains(scraped, text => text.Contains("pinorleans_logins_total{otel_scope_name=\"PinOrleans\",outcome=\"success\"}", StringComparison.Ordinal));
        Assert.Contains(scraped, text => text.Contains("pinorleans_logins_total{otel_scope_name=\"PinOrleans\",outcome=\"invalid\"}", StringComparison.Ordinal));
        Assert.Contains(scraped, text => text.Contains("pinorleans_hash_duration_milliseconds_count", StringComparison.Ordinal));
        var gatewayMetrics = await http.GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds_count", gatewayMetrics, StringComparison.Ordinal);
        Assert.All(scraped.Append(gatewayMetrics), text => Assert.DoesNotContain(session, text, StringComparison.Ordinal));

        // The dashboard: administrator only, and it sees both silos.
        var anonymous = await http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Basic", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        using var admin = new HttpRequestMessage(HttpMethod.Get, "/dashboard/DashboardCounters");
        admin.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"admin:{_adminPassword}")));
        var counters = await http.SendAsync(admin);
        Assert.Equal(HttpStatusCode.OK, counters.StatusCode);
        using (var json = System.Text.Json.JsonDocument.Parse(await counters.Content.ReadAsStringAsync()))
        {
            Assert.Equal(2, json.RootElement.GetProperty("hosts").EnumerateArray().Count(h => h.GetProperty("status").GetString() == "Active"));
        }

        // SIGTERM: the silo leaves the cluster (its membership row says Dead, not left for the others to find out)
        // and exits cleanly; the other one serves the account.
        var leaving = _silos[1].Process;
        using (var term = Process.Start("kill", ["-TERM", leaving.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(45)))
        {
            await leaving.WaitForExitAsync(exit.Token);
        }

        Assert.Equal(0, leaving.ExitCode);
        Assert.Equal(1, await ActiveSilosAsync());
        Assert.Equal(1, await SilosAsync("Dead"));
        var (_, later) = await api.AccountWithSessionAsync(tenant);
        await Api.ExpectAsync(await api.PinLoginAsync(tenant, later, "7890"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_gateway_hosting_a_silo_joins_the_silos_and_serves_pin_logins_from_one_process()
    {
        StartSilo();
        var silo = TestEnvironment.FreePort();
        var gateway = TestEnvironment.FreePort();
        var port = TestEnvironment.FreePort();
        Start("Gateway", new()
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Cluster__HostSilo"] = "true",
            ["Cluster__SiloPort"] = silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Hashing__Pepper"] = _pepper,
            ["Cluster__ResponseTimeoutSeconds"] = "30",
        });
        var http = new HttpClient(new RetryAfterHandler()) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await WaitReadyAsync(http);

        // Two silos: the silo process and the gateway's own. Accounts live on either; the PIN works on both.
        Assert.Equal(2, await ActiveSilosAsync());
        var api = new Api(http);
        var tenant = new TestTenant(_apiKey, _apiSecret);
        for (var i = 0; i < 4; i++)
        {
            var (_, session) = await api.AccountWithSessionAsync(tenant);
            await Api.ExpectAsync(await api.PinLoginAsync(tenant, session, "7890"), HttpStatusCode.OK);
            await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, session, "0000"), 401, 1236);
        }
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
        var metrics = TestEnvironment.FreePort();
        _silos.Add((Start("Silo", new()
        {
            ["Cluster__SiloPort"] = silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Hashing__Pepper"] = _pepper,
            ["Bootstrap__Tenant__ApiKey"] = _apiKey,
            ["Bootstrap__Tenant__ApiSecret"] = _apiSecret,
            ["Telemetry__MetricsPort"] = metrics.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }), metrics));
    }

    private int StartGateway()
    {
        var port = TestEnvironment.FreePort();
        // Three cold processes share two cores with the rest of the suite: their first grain calls (JIT, activations,
        // hashing) can take longer than the 5 s a production gateway waits. This test is about joining and serving.
        Start("Gateway", new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}", ["Admin__Password"] = _adminPassword, ["Cluster__ResponseTimeoutSeconds"] = "30" });
        return port;
    }

    private Process Start(string project, Dictionary<string, string> environment)
    {
        var binaries = Path.Combine(TestEnvironment.RepositoryRoot(), "src", project, "bin", Configuration(), "net10.0");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = binaries, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(binaries, $"PinOrleans.{project}.dll"));
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Storage__Provider"] = store.Settings.Provider.ToString();
        start.Environment["Storage__ConnectionString"] = store.Settings.ConnectionString;
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
        return process;
    }

    /// <summary>
    /// A client of three cold processes (JIT, first activations, first hashes) that share two cores with the rest of
    /// the suite: the service may answer 503 with Retry-After, as documented, and then this client waits that long and
    /// sends the request again, ten times at most. Every other answer, and a 503 without Retry-After, is the test's.
    /// </summary>
    private sealed class RetryAfterHandler() : DelegatingHandler(new HttpClientHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            for (var attempt = 1; ; attempt++)
            {
                using var copy = new HttpRequestMessage(request.Method, request.RequestUri);
                foreach (var (name, values) in request.Headers)
                {
                    copy.Headers.TryAddWithoutValidation(name, values);
                }

                if (body is not null)
                {
                    copy.Content = new ByteArrayContent(body);
                    foreach (var (name, values) in request.Content!.Headers)
                    {
                        copy.Content.Headers.TryAddWithoutValidation(name, values);
                    }
                }

                var response = await base.SendAsync(copy, cancellationToken);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter?.Delta is not { } wait || attempt == 10)
                {
                    return response;
                }

                response.Dispose();
                await Task.Delay(wait, cancellationToken);
            }
        }
    }

    private Task WaitReadyAsync(HttpClient http) => Eventually.UntilAsync(async () =>
    {
        Assert.False(_processes.Any(p => p.HasExited), "A process exited:\n" + string.Join('\n', _output.TakeLast(60)));
        try
        {
            return (await http.GetAsync("/health/ready")).IsSuccessStatusCode && await ActiveSilosAsync() == 2;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }, TimeSpan.FromSeconds(120), () => "the cluster did not become ready:\n" + string.Join('\n', _output.TakeLast(60)));

    private Task<int> ActiveSilosAsync() => SilosAsync("Active");

    private async Task<int> SilosAsync(string status) =>
        (await store.MembershipAsync(_clusterId)).Count(s => s == status);

    private static string Configuration() =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
}
