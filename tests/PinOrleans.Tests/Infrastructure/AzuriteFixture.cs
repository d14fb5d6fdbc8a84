using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Azure.Data.Tables;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// A real Azurite table service (the project's pinned npm install, settings from azurite.json) on a free port
/// with its own data folder. Stopped with SIGINT, as Azurite needs to flush its last writes.
/// </summary>
public sealed partial class AzuriteFixture : IStoreFixture
{
    private const int SigInt = 2;
    private readonly string _location = Path.Combine(Path.GetTempPath(), $"pinorleans-azurite-{Guid.NewGuid():N}");
    private Process? _process;

    public int Port { get; } = TestEnvironment.FreePort();

    /// <summary>The well-known Azurite development account (public; not a secret).</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";

    public StorageSettings Settings => new(StorageProvider.AzureTable, ConnectionString);

    public Task InitializeAsync() => StartAsync();

    public async Task DisposeAsync()
    {
        await StopAsync();
        TestEnvironment.DeleteFolder(_location);
    }

    public async Task StartAsync()
    {
        var root = TestEnvironment.RepositoryRoot();
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "azurite.json")));
        var binary = Environment.GetEnvironmentVariable("AZURITE_TABLE")
            ?? Path.Combine(root, settings.RootElement.GetProperty("installDir").GetString()!, "node_modules", ".bin", "azurite-table");
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"Azurite is not installed at {binary}: run ./test.sh, which installs it.");
        }

        Directory.CreateDirectory(_location);
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--tableHost", "127.0.0.1", "--tablePort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--location", _location })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var flag in settings.RootElement.GetProperty("flags").EnumerateArray())
        {
            start.ArgumentList.Add(flag.GetString()!);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        await Eventually.UntilAsync(async () => await IsListeningAsync() || process.HasExited, TimeSpan.FromSeconds(30), () => "Azurite did not start");
        if (process.HasExited)
        {
            throw new InvalidOperationException("Azurite did not start.");
        }
    }

    /// <summary>Stops Azurite the way an operator should: SIGINT, then wait for it to flush and exit.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        _ = Kill(_process.Id, SigInt);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        _process = null;
    }

    public async Task<IReadOnlyList<string>> StoredRowsAsync()
    {
        var service = new TableServiceClient(ConnectionString);
        var rows = new List<string>();
        await foreach (var table in service.QueryAsync())
        {
            await foreach (var row in service.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                rows.Add(string.Join('|', row.Select(p => p.Value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : p.Value?.ToString())));
            }
        }

        return rows;
    }

    public async Task<IReadOnlyList<(string Key, string State)>> StateRowsAsync(string serviceId)
    {
        // The Azure Table provider keys a row by "<service>_<grain>" and the state's name.
        var rows = new List<(string, string)>();
        var table = new TableServiceClient(ConnectionString).GetTableClient(PinOrleans.Silo.SiloHosting.StateTable);
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]))
        {
            if (row.PartitionKey.StartsWith(serviceId, StringComparison.Ordinal))
            {
                rows.Add((row.PartitionKey, row.RowKey));
            }
        }

        return rows;
    }

    public async Task<IReadOnlyList<string>> MembershipAsync(string clusterId)
    {
        var statuses = new List<string>();
        await foreach (var row in new TableServiceClient(ConnectionString).GetTableClient("OrleansSiloInstances").QueryAsync<TableEntity>())
        {
            if (row.GetString("DeploymentId") == clusterId)
            {
                statuses.Add(row.GetString("Status"));
            }
        }

        return statuses;
    }

    private async Task<bool> IsListeningAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
