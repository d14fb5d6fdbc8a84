namespace PinOrleans.Security;

/// <summary>
/// Runs hashing one request at a time per activation; Orleans caps stateless workers at one activation
/// per core on each silo, which is what bounds the CPU spent on guesses.
/// </summary>
[StatelessWorker]
public sealed class HasherGrain(ISecretHasher hasher) : Grain, IHasherGrain
{
    public Task<Sensitive> HashAsync(Sensitive secret) => Task.FromResult(new Sensitive(hasher.Hash(secret.Value)));

    public Task<HashCheck> VerifyAsync(Sensitive secret, Sensitive storedHash) => Task.FromResult(hasher.Verify(secret.Value, storedHash.Value));

    public Task<bool> VerifyNothingAsync(Sensitive secret)
    {
        hasher.VerifyNothing(secret.Value);
        return Task.FromResult(false);
    }
}
