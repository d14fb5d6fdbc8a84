namespace PinOrleans.Security;

/// <summary>
/// Hashing as the silo's grains do it: the <see cref="ISecretHasher"/> run on the silo's <see cref="HashingPool"/>.
/// The pool's fixed threads bound the CPU spent on guesses, its bounded lanes refuse what cannot be served in time
/// (<see cref="HashingBusyException"/>), the caller's cancellation (an aborted HTTP request, which Orleans carries
/// into the grain call) takes queued work out unrun, and no grain turn waits on a hash: the grain awaits a task
/// that a hashing thread completes. No grain call per hash: grains use this directly.
/// </summary>
public sealed class PooledHasher(ISecretHasher hasher, HashingPool pool)
{
    /// <summary>Hashes a secret with the current algorithm and parameters.</summary>
    public Task<Sensitive> HashAsync(Sensitive secret, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default) =>
        pool.RunAsync(() => new Sensitive(hasher.Hash(secret.Value)), lane, cancellationToken);

    /// <summary>Verifies a secret against a stored hash; on success with outdated parameters also returns a fresh hash.</summary>
    public Task<HashCheck> VerifyAsync(Sensitive secret, Sensitive storedHash, HashLane lane = HashLane.Account, CancellationToken cancellationToken = default) =>
        pool.RunAsync(() => hasher.Verify(secret.Value, storedHash.Value), lane, cancellationToken);

    /// <summary>Costs what a verification costs and fails (false), in <see cref="HashLane.Anonymous"/>: answers for unknown accounts take as long as for known ones.</summary>
    public Task<bool> VerifyNothingAsync(Sensitive secret, CancellationToken cancellationToken = default) => pool.RunAsync(
        () =>
        {
            hasher.VerifyNothing(secret.Value);
            return false;
        },
        HashLane.Anonymous,
        cancellationToken);
}
