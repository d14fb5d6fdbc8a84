namespace PinOrleans.Security;

/// <summary>
/// The bounded CPU pool for PIN and password hashing: a stateless worker, at most one activation per core
/// on each silo, so a flood of guesses queues here instead of starving grain turns.
/// </summary>
[Alias("PinOrleans.IHasherGrain")]
public interface IHasherGrain : IGrainWithIntegerKey
{
    /// <summary>Hashes a secret with the current algorithm and parameters.</summary>
    Task<Sensitive> HashAsync(Sensitive secret);

    /// <summary>Verifies a secret against a stored hash; on success with outdated parameters also returns a fresh hash.</summary>
    Task<HashCheck> VerifyAsync(Sensitive secret, Sensitive storedHash);

    /// <summary>Costs what a verification costs and fails: answers for unknown accounts take as long as for known ones.</summary>
    Task<bool> VerifyNothingAsync(Sensitive secret);
}

/// <summary>The verdict of a hash check.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.HashCheck")]
public sealed record HashCheck([property: Id(0)] bool Valid, [property: Id(1)] Sensitive? Rehashed);
