namespace PinOrleans.Security;

/// <summary>
/// Runs hashing one request at a time per activation; Orleans caps stateless workers at one activation
/// per core on each silo, which is what bounds the CPU spent on guesses.
/// </summary>
[StatelessWorker]
public sealed class HasherGrain(ISecretHasher hasher) : Grain, IHasherGrain
{
    public Task<string> HashAsync(string secret) => Task.FromResult(hasher.Hash(secret));

    public Task<HashCheck> VerifyAsync(string secret, string storedHash) => Task.FromResult(hasher.Verify(secret, storedHash));
}
