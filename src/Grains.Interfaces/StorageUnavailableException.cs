namespace PinOrleans;

/// <summary>
/// A grain-state read or write that did not happen (storage unreachable, refusing, or not ready on a silo that is
/// going away). Nothing was recorded, so the request can be repeated: the gateway answers 503 with Retry-After.
/// Conflicting writes are not this: they are <c>InconsistentStateException</c>, decided again on fresh state.
/// </summary>
[GenerateSerializer, Alias("PinOrleans.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
