using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PinOrleans.Silo;

/// <summary>
/// The PostgreSQL tables of Orleans' ADO.NET providers, created when the database is new: each of PinOrleans' scripts
/// (Main, Clustering, Persistence, Reminders; <c>Sql/README.md</c>) whose table is missing, then the
/// <c>DeleteStorageKey</c> query when the database has none (also on a database set up without it). One transaction
/// under an advisory lock, so silos that start together create them once, and a silo that fails half-way leaves
/// nothing behind.
/// </summary>
public static class PostgresSchema
{
    /// <summary>The scripts in the order they apply, each with the query that tells it is needed (what it creates is missing).</summary>
    public static readonly IReadOnlyList<(string Script, string Missing)> Scripts =
    [
        ("PostgreSQL-Main.sql", TableMissing("orleansquery")),
        ("PostgreSQL-Clustering.sql", TableMissing("orleansmembershiptable")),
        ("PostgreSQL-Persistence.sql", TableMissing("orleansstorage")),
        ("PostgreSQL-DeleteStorage.sql", "SELECT NOT EXISTS (SELECT 1 FROM orleansquery WHERE querykey = 'DeleteStorageKey')"),
        ("PostgreSQL-Reminders.sql", TableMissing("orleansreminderstable")),
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
        foreach (var (script, missing) in Scripts)
        {
            await using var needed = new NpgsqlCommand(missing, connection);
            if (!(bool)(await needed.ExecuteScalarAsync(cancellationToken))!)
            {
                continue;
            }

            await ExecuteAsync(connection, Text(script), cancellationToken);
            applied.Add(script);
        }

        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    private static string TableMissing(string table) => $"SELECT to_regclass('{table}') IS NULL";

    /// <summary>The script (embedded in this assembly).</summary>
    public static string Text(string script)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"PinOrleans.Silo.Sql.{script}")
            ?? throw new InvalidOperationException($"{script} is not embedded in the silo.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        // No parameters: Npgsql sends the text as it is (the @names inside the query texts are data).
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Creates the providers' PostgreSQL tables before the silo's providers first read them.</summary>
internal sealed class PostgresSchemaParticipant(StorageSettings storage, ILogger<PostgresSchemaParticipant> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchemaParticipant), ServiceLifecycleStage.First, async cancellationToken =>
        {
            var applied = await PostgresSchema.EnsureAsync(storage.ConnectionString, cancellationToken);
            if (applied.Count > 0)
            {
                logger.LogInformation("Applied PostgreSQL scripts: {Scripts}", string.Join(", ", applied));
            }
        });
}
