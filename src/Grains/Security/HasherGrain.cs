namespace PinOrleans.Security;

/// <summary>
/// Runs hashing one request at a time per activation; Orleans caps stateless workers at one activation
/// per core on each silo, which is what bounds the CPU spent on guesses.
/// </summary>
[StatelessWorker]
public sealed class HasherGrain(ISecretHasher hasher) : Grain, IHasherGrain
{
    public Task<Secret> HashAsync(Secret secret) => Task.FromResult(new Secret(hasher.Hash(secret.Value)));

    public Task<HashCheck> VerifyAsync(Secret secret, Secret storedHash) => Task.FromResult(hasher.Verify(secret.Value, storedHash.Value));

    public Task<bool> VerifyNothingAsync(Secret secret)
    {
        hasher.VerifyNothing(secret.Value);
        return Task.FromResult(false);
    }
}
