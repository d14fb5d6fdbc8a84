using Microsoft.Extensions.Configuration;

namespace PinOrleans.Tests.Unit;

/// <summary><c>Storage:Provider</c> chooses the store; Azure Table storage unless it says otherwise.</summary>
public sealed class StorageSettingsTests
{
    private static StorageSettings From(params (string Key, string Value)[] values) =>
        StorageSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build());

    [Fact]
    public void Without_a_provider_the_store_is_azure_table_storage_as_before()
    {
        Assert.Equal(new StorageSettings(StorageProvider.AzureTable, "UseDevelopmentStorage=true"), From(("Storage:ConnectionString", "UseDevelopmentStorage=true")));
        Assert.Equal(new StorageSettings(StorageProvider.AzureTable, "azure"), From(("ConnectionStrings:AzureStorage", "azure")));
    }

    [Theory]
    [InlineData("PostgreSQL")]
    [InlineData("postgresql")]
    [InlineData(" PostgreSQL ")]
    public void Postgresql_is_named_in_any_casing(string name) =>
        Assert.Equal(StorageProvider.PostgreSQL, From(("Storage:Provider", name), ("Storage:ConnectionString", "Host=127.0.0.1")).Provider);

    [Theory]
    [InlineData("Postgres")]
    [InlineData("1")]
    [InlineData("Memory")]
    public void Another_provider_name_stops_the_process(string name) =>
        Assert.Contains("is not a store", Assert.Throws<InvalidOperationException>(() => From(("Storage:Provider", name), ("Storage:ConnectionString", "x"))).Message, StringComparison.Ordinal);

    [Fact]
    public void Postgresql_needs_its_own_connection_string() =>
        Assert.Contains("Npgsql form", Assert.Throws<InvalidOperationException>(() => From(("Storage:Provider", "PostgreSQL"), ("ConnectionStrings:AzureStorage", "azure"))).Message, StringComparison.Ordinal);
}
