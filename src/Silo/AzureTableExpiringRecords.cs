using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using PinOrleans.Expiry;

namespace PinOrleans.Silo;

/// <summary>
/// The expiry repair's listing for Azure Table storage: the rows of the given states in this service's part of the
/// state table (a query the table answers by reading it all: for an operator's repair, never the login path). A row's
/// partition key is <c>{ServiceId}_{grain type}_{grain key}</c>, with the key's '/' written as '_'.
/// </summary>
public sealed class AzureTableExpiringRecords(TableClient table, string serviceId) : IExpiringRecordDirectory
{
    public async IAsyncEnumerable<GrainId> ListAsync(IReadOnlyCollection<string> stateNames, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var prefix = serviceId + "_";
        var states = string.Join(" or ", stateNames.Select(s => TableClient.CreateQueryFilter($"RowKey eq {s}")));
        var filter = $"{TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {serviceId + "`"}")} and ({states})";
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            var rest = row.PartitionKey[prefix.Length..];
            var split = rest.IndexOf('_', StringComparison.Ordinal);
            if (split > 0 && ExpiringRecords.KeyOfStored(rest[..split], rest[(split + 1)..]) is { } key)
            {
                yield return GrainId.Create(rest[..split], key);
            }
        }
    }
}
