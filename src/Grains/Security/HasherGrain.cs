namespace PinOrleans.Security;

/// <summary>
/// Hands hashing to the silo's <see cref="HashingPool"/> and awaits it: the pool's fixed threads bound the CPU spent
/// on guesses, its bounded lanes refuse what cannot be served in time (<see cref="HashingBusyException"/>), and no
/// grain turn is ever blocked by a hash. Reentrant: it only waits. The caller's cancellation (an aborted HTTP
/// request, propagated by Orleans) takes queued work out of the pool unrun.
/// </summary>
[StatelessWorker(1), Reentrant]
public sealed class HasherGrain(ISecretHasher hasher, HashingPool pool) : Grain, IHasherGrain
{
    public Task<Sensitive> HashAsync(Sensitive secret, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default) =>
        pool.RunAsync(() => new Sensitive(hasher.Hash(secret.Value)), lane, cancellationToken);

    public Task<HashCheck> VerifyAsync(Sensitive secret, Sensitive storedHash, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default) =>
        pool.RunAsync(() => hasher.Verify(secret.Value, storedHash.Value), lane, cancellationToken);

    public Task<bool> VerifyNothingAsync(Sensitive secret, CancellationToken cancellationToken = default) => pool.RunAsync(
        () =>
        {
            hasher.VerifyNothing(secret.Value);
            return false;
        },
        HashLane.Anonymous,
        cancellationToken);
}
