using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PinOrleans.Silo;

/// <summary>
/// Orleans' PostgreSQL tables, created when the database is new: each of Orleans' scripts (Main, Clustering,
/// Persistence, Reminders), unchanged, whose table is missing. One transaction under an advisory lock, so silos that
/// start together create them once, and a silo that fails half-way leaves nothing behind.
/// </summary>
public static class PostgresSchema
{
    /// <summary>Orleans' scripts in the order they apply, each with the table it creates.</summary>
    public static readonly IReadOnlyList<(string Script, string Table)> Scripts =
    [
        ("PostgreSQL-Main.sql", "orleansquery"),
        ("PostgreSQL-Clustering.sql", "orleansmembershiptable"),
        ("PostgreSQL-Persistence.sql", "orleansstorage"),
        ("PostgreSQL-Reminders.sql", "orleansreminderstable"),
    ];

    /// <summary>Any number fixed for PinOrleans: the advisory lock every silo takes to create the tables.</summary>
    private const long LockKey = 0x50_69_6E_4F_72_6C_65_61; // "PinOrlea"

    /// <summary>Creates the tables that are missing; answers the scripts it applied (none on a database already set up).</summary>
    public static async Task<IReadOnlyList<string>> EnsureAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
        var applied = new List<string>();
        foreach (var (script, table) in Scripts)
        {
            await using var exists = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection);
            exists.Parameters.AddWithValue("table", table);
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                continue;
            }

            await ExecuteAsync(connection, Text(script), cancellationToken);
            applied.Add(script);
        }

        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    /// <summary>The script as Orleans ships it (embedded in this assembly).</summary>
    public static string Text(string script)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"PinOrleans.Silo.Sql.{script}")
            ?? throw new InvalidOperationException($"{script} is not embedded in the silo.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        // No parameters: Npgsql sends the text as it is (the @names inside Orleans' query texts are data).
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Creates Orleans' PostgreSQL tables before the silo's providers first read them.</summary>
internal sealed class PostgresSchemaParticipant(StorageSettings storage, ILogger<PostgresSchemaParticipant> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchemaParticipant), ServiceLifecycleStage.First, async cancellationToken =>
        {
            var applied = await PostgresSchema.EnsureAsync(storage.ConnectionString, cancellationToken);
            if (applied.Count > 0)
            {
                logger.LogInformation("Created Orleans' PostgreSQL tables: {Scripts}", string.Join(", ", applied));
            }
        });
}
