using System.Diagnostics;
using Npgsql;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server (Debian's package, through scripts/common.sh: a private cluster of the postgres OS user)
/// on a free port with its own data folder and a fresh password. Stopped with <c>pg_ctl stop -m fast</c>, as an
/// operator would; the Orleans tables are created by the first silo that starts on it.
/// </summary>
public sealed class PostgresFixture : IStoreFixture
{
    // The postgres OS user runs the server: it must be able to reach the data folder (the folder itself stays 700).
    private readonly string _location = Path.Combine(Path.GetTempPath(), $"pinorleans-postgres-{Guid.NewGuid():N}");
    private readonly string _password = Guid.NewGuid().ToString("N");

    public int Port { get; } = TestEnvironment.FreePort();

    private string DataDirectory => Path.Combine(_location, "data");

    public string ConnectionString =>
        $"Host=127.0.0.1;Port={Port};Database=pinorleans;Username=pinorleans;Password={_password};Timeout=5;Command Timeout=10";

    public StorageSettings Settings => new(StorageProvider.PostgreSQL, ConnectionString);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_location);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgreSQL runs here as Debian's package.");
        }

        File.SetUnixFileMode(_location, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return StartAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        TestEnvironment.DeleteFolder(_location);
    }

    public async Task StartAsync()
    {
        await CommonAsync("ensure_postgres && start_postgres \"$1\" \"$2\" \"$3\"", DataDirectory, Port.ToString(System.Globalization.CultureInfo.InvariantCulture), _password);
        NpgsqlConnection.ClearAllPools();
    }

    public Task StopAsync() => CommonAsync("ensure_postgres && stop_postgres \"$1\"", DataDirectory);

    public async Task<IReadOnlyList<string>> StoredRowsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        var rows = new List<string>();
        foreach (var table in new[] { "orleansstorage", "orleansmembershiptable", "orleansreminderstable" })
        {
            await using var command = new NpgsqlCommand($"SELECT * FROM {table}", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join('|', Enumerable.Range(0, reader.FieldCount).Select(i => reader.GetValue(i) switch
                {
                    byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
                    var value => value.ToString(),
                })));
            }
        }

        return rows;
    }

    public async Task<IReadOnlyList<(string Key, string State)>> StateRowsAsync(string serviceId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        // The ADO.NET provider keeps a row's state name in GrainTypeString and its grain key in GrainIdExtensionString.
        await using var command = new NpgsqlCommand("SELECT coalesce(grainidextensionstring, ''), graintypestring FROM orleansstorage WHERE serviceid = @service", connection);
        command.Parameters.AddWithValue("service", serviceId);
        var rows = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<string>> MembershipAsync(string clusterId)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT status FROM orleansmembershiptable WHERE deploymentid = @cluster", connection);
        command.Parameters.AddWithValue("cluster", clusterId);
        var statuses = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statuses.Add(((SiloStatus)reader.GetInt32(0)).ToString());
        }

        return statuses;
    }

    /// <summary>Runs a function of scripts/common.sh (the one place that knows how to run PostgreSQL here).</summary>
    private static async Task CommonAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", $"source \"{Path.Combine(TestEnvironment.RepositoryRoot(), "scripts", "common.sh")}\" && {script}", "bash" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"PostgreSQL ({script}) failed: {await output}{await errors}");
        }
    }
}
