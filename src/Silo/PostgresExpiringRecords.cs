using System.Runtime.CompilerServices;
using Npgsql;
using PinOrleans.Expiry;

namespace PinOrleans.Silo;

/// <summary>
/// The expiry repair's listing for PostgreSQL: the rows of the given states in this service's part of
/// <c>OrleansStorage</c>, where the ADO.NET provider keeps a record's state name in <c>GrainTypeString</c> and its grain
/// key, as written, in <c>GrainIdExtensionString</c>. For an operator's repair, never the login path.
/// </summary>
public sealed class PostgresExpiringRecords(string connectionString, string serviceId) : IExpiringRecordDirectory
{
    /// <summary>The grain type of each expiring record's state.</summary>
    private static readonly Dictionary<string, string> GrainTypes = new(StringComparer.Ordinal)
    {
        ["tokens"] = "logintokens", ["pinsession"] = "pinsession", ["pinauth"] = "pinauthtoken", ["pinreset"] = "pinresetlink", ["stepup"] = "stepuptoken",
    };

    public async IAsyncEnumerable<GrainId> ListAsync(IReadOnlyCollection<string> stateNames, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT graintypestring, grainidextensionstring FROM orleansstorage WHERE serviceid = @service AND graintypestring = ANY(@states) AND payloadbinary IS NOT NULL",
            connection);
        command.Parameters.AddWithValue("service", serviceId);
        command.Parameters.AddWithValue("states", stateNames.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (GrainTypes.TryGetValue(reader.GetString(0), out var grainType) && !reader.IsDBNull(1))
            {
                yield return GrainId.Create(grainType, reader.GetString(1));
            }
        }
    }
}
