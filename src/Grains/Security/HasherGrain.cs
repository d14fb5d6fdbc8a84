namespace PinOrleans.Security;

/// <summary>
/// Hands hashing to the silo's <see cref="HashingPool"/> and awaits it: the pool's fixed threads bound the CPU spent
/// on guesses (excess queues there), and no grain turn is ever blocked by a hash. Reentrant: it only waits.
/// </summary>
[StatelessWorker(1), Reentrant]
public sealed class HasherGrain(ISecretHasher hasher, HashingPool pool) : Grain, IHasherGrain
{
    public Task<Sensitive> HashAsync(Sensitive secret) => pool.RunAsync(() => new Sensitive(hasher.Hash(secret.Value)));

    public Task<HashCheck> VerifyAsync(Sensitive secret, Sensitive storedHash) => pool.RunAsync(() => hasher.Verify(secret.Value, storedHash.Value));

    public Task<bool> VerifyNothingAsync(Sensitive secret) => pool.RunAsync(() =>
    {
        hasher.VerifyNothing(secret.Value);
        return false;
    });
}
