using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace PinOrleans;

/// <summary>
/// References to string-keyed grains without Orleans' type resolution on every call. <c>IGrainFactory.GetGrain&lt;T&gt;(string)</c>
/// works out the interface's <see cref="GrainInterfaceType"/> from its attributes, by reflection, each time it is
/// called: about a tenth of an access-token validation's CPU (<c>./bench.sh --profile --scenario validation</c>). Here the
/// first reference to an interface from a factory is Orleans' own; its grain type and interface type are kept for that
/// factory and build the next references directly, through <see cref="IGrainFactory.GetGrain(GrainId, GrainInterfaceType)"/>:
/// the same grain id and the same kind of reference <c>GetGrain&lt;T&gt;</c> returns. What is kept lives as long as the
/// process: it holds because each interface has one grain class whose grain type never changes (renaming a grain
/// type, or a second class for an interface, would need every process restarted anyway).
/// </summary>
public static class GrainReferences
{
    private static readonly ConditionalWeakTable<IGrainFactory, ConcurrentDictionary<Type, (GrainType Grain, GrainInterfaceType Interface)>> Resolved = new();

    /// <summary>The grain of interface <typeparamref name="T"/> with key <paramref name="key"/>, as <c>GetGrain&lt;T&gt;(key)</c> gives it.</summary>
    public static T Reference<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        var types = Resolved.GetValue(grains, static _ => new ConcurrentDictionary<Type, (GrainType, GrainInterfaceType)>());
        if (types.TryGetValue(typeof(T), out var resolved))
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(key);
            return (T)grains.GetGrain(GrainId.Create(resolved.Grain, key), resolved.Interface);
        }

        var grain = grains.GetGrain<T>(key);
        var grainType = grain.GetGrainId().Type;
        // Orleans versions after 10.4 may answer with a placeholder type that the first call resolves: never kept.
        if (!grainType.ToString().StartsWith("sys.grain.stub.", StringComparison.Ordinal))
        {
            types.TryAdd(typeof(T), (grainType, ((GrainReference)(object)grain).InterfaceType));
        }

        return grain;
    }
}
