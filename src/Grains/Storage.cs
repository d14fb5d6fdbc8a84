namespace PinOrleans;

/// <summary>Names of the storage providers the grains persist to.</summary>
public static class StorageNames
{
    /// <summary>The grain-state store (Azure Table storage in every real deployment).</summary>
    public const string Store = "store";
}
