using System.ComponentModel;

namespace PinOrleans.Gateway.Wire;

/// <summary>LoginRadius' list answer: <c>{"Data": [...], "Count": n}</c>.</summary>
public sealed record Listing<T>(
    [property: Description("The items.")] IReadOnlyList<T> Data,
    [property: Description("How many items `Data` holds.")] int Count);

public static class Listing
{
    public static Listing<T> Of<T>(IEnumerable<T> items)
    {
        var data = items.ToArray();
        return new(data, data.Length);
    }
}
