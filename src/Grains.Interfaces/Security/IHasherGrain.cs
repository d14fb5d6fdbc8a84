namespace PinOrleans.Security;

/// <summary>
/// The silo's bounded CPU pool for PIN and password hashing, for callers outside the silo (the gateway): a stateless
/// worker handing work to the silo's hashing threads (grains on the silo use the pool without this call). Work waits
/// in a bounded queue per <see cref="HashLane"/>; what cannot be queued, or has not started by its deadline, fails
/// with <see cref="HashingBusyException"/> and is never run; a cancelled caller's work is dropped unrun.
/// </summary>
[Alias("PinOrleans.IHasherGrain")]
public interface IHasherGrain : IGrainWithIntegerKey
{
    /// <summary>Hashes a secret with the current algorithm and parameters.</summary>
    Task<Sensitive> HashAsync(Sensitive secret, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default);

    /// <summary>Verifies a secret against a stored hash; on success with outdated parameters also returns a fresh hash.</summary>
    Task<HashCheck> VerifyAsync(Sensitive secret, Sensitive storedHash, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default);

    /// <summary>
    /// Costs what a verification costs and fails: answers for unknown accounts take as long as for known ones.
    /// Waits in <see cref="HashLane.Anonymous"/>, as every password login by identifier does.
    /// </summary>
    Task<bool> VerifyNothingAsync(Sensitive secret, CancellationToken cancellationToken = default);
}

/// <summary>
/// Which queue a hash waits in, by what its caller proved. Lanes are served in this order (a waiting
/// <see cref="Session"/> hash runs before any <see cref="Account"/> one, and so on); <see cref="Anonymous"/> has its
/// own, smaller bound, so a flood of logins for made-up identifiers is refused at once instead of delaying the rest.
/// </summary>
public enum HashLane
{
    /// <summary>The caller presented a live PIN session (a 128-bit token): PIN login.</summary>
    Session = 0,

    /// <summary>Work for an existing account on behalf of a caller that got past the tenant's checks (management, tokens, recovery).</summary>
    Account = 1,

    /// <summary>
    /// The caller proved nothing but an identifier: password login, for known and unknown identifiers alike (a lane
    /// by existence would tell, under load, which accounts exist).
    /// </summary>
    Anonymous = 2,
}

/// <summary>The verdict of a hash check.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.HashCheck")]
public sealed record HashCheck([property: Id(0)] bool Valid, [property: Id(1)] Sensitive? Rehashed);
