namespace PinOrleans.Security;

/// <summary>
/// A hash that was not run: its lane's queue was full, or it did not reach a hashing thread before its deadline.
/// Nothing was checked or counted, so the caller may repeat the request: the gateway answers 503 with Retry-After,
/// never a wrong password or PIN.
/// </summary>
[GenerateSerializer, Alias("PinOrleans.HashingBusyException")]
public sealed class HashingBusyException : Exception
{
    public HashingBusyException()
    {
    }

    public HashingBusyException(string message)
        : base(message)
    {
    }

    public HashingBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
