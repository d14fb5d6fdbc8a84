namespace PinOrleans.Security;

/// <summary>
/// Hashing for callers outside the silo: the gateway, an Orleans client with no hashing pool of its own, makes its
/// uniform answers cost what a wrong secret costs here. A stateless worker, so the work lands on the silo that took
/// the call; reentrant, because it only waits. Grains hash through <see cref="PooledHasher"/> directly, without this hop.
/// </summary>
[StatelessWorker(1), Reentrant]
public sealed class HasherGrain(PooledHasher hasher) : Grain, IHasherGrain
{
    public Task<Sensitive> HashAsync(Sensitive secret, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default) =>
        hasher.HashAsync(secret, lane, cancellationToken);

    public Task<HashCheck> VerifyAsync(Sensitive secret, Sensitive storedHash, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default) =>
        hasher.VerifyAsync(secret, storedHash, lane, cancellationToken);

    public Task<bool> VerifyNothingAsync(Sensitive secret, CancellationToken cancellationToken = default) =>
        hasher.VerifyNothingAsync(secret, cancellationToken);
}
