using Xunit.Abstractions;

[assembly: TestCollectionOrderer("PinOrleans.Tests.Infrastructure.LongestFirst", "PinOrleans.Tests")]

namespace PinOrleans.Tests.Infrastructure;

/// <summary>About how long a test collection runs, in seconds: on its collection definition, or on a class that is a collection of its own.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RunsLongAttribute(int seconds) : Attribute
{
    public int Seconds { get; } = seconds;
}

/// <summary>
/// Starts the collections that run longest first (<see cref="RunsLongAttribute"/>), so that the long chains (the
/// cluster collections, the drills, the other Azurite tests) overlap from the start instead of one of them waiting
/// for a place behind short ones; the rest follow in name order.
/// </summary>
public sealed class LongestFirst : ITestCollectionOrderer
{
    private const string OfOneClass = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderByDescending(Seconds).ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    private static int Seconds(ITestCollection collection)
    {
        var type = collection.CollectionDefinition ?? (collection.DisplayName.StartsWith(OfOneClass, StringComparison.Ordinal)
            ? collection.TestAssembly.Assembly.GetType(collection.DisplayName[OfOneClass.Length..])
            : null);
        return type?.GetCustomAttributes(typeof(RunsLongAttribute)).FirstOrDefault()?.GetConstructorArguments().FirstOrDefault() as int? ?? 0;
    }
}
