using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace PinOrleans.Silo;

/// <summary>
/// Grain state as plain System.Text.Json: property names only, no CLR type names (the provider's default
/// Newtonsoft settings embed them), so renaming or moving a state type keeps its stored rows readable,
/// added properties take their defaults, and unknown stored properties are ignored.
/// </summary>
public sealed class JsonGrainStorageSerializer : IGrainStorageSerializer
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public BinaryData Serialize<T>(T? input) => BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) => input.ToObjectFromJson<T>(Options)!;
}
