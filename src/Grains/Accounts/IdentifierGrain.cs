using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Accounts;

[GenerateSerializer, Alias("PinOrleans.IdentifierState")]
public sealed class IdentifierState
{
    [Id(0)] public string? Uid { get; set; }
}

/// <summary>
/// Uniqueness of one identifier within a tenant. A claim left behind by an account whose creation never
/// completed (its user grain does not exist) is taken over, so a crash between claim and create loses nothing.
/// </summary>
public sealed class IdentifierGrain(
    [PersistentState("identifier", StorageNames.Store)] IPersistentState<IdentifierState> state,
    PooledHasher hasher) : Grain, IIdentifierGrain
{
    private string ApiKey => this.GetPrimaryKeyString().Split('/')[0];

    public async Task<string> ClaimAsync(string uid)
    {
        var owner = state.State.Uid;
        if (owner == uid)
        {
            return uid;
        }

        if (owner is not null && await GrainFactory.Reference<IUserGrain>(AccountKeys.User(ApiKey, owner)).ExistsAsync())
        {
            return owner;
        }

        state.State.Uid = uid;
        await state.WriteOrDeactivateAsync(GrainContext);
        return uid;
    }

    public async Task ReleaseAsync(string uid)
    {
        if (state.State.Uid == uid)
        {
            await state.ClearOrDeactivateAsync(GrainContext);
            state.State = new IdentifierState();
        }
    }

    public async Task TransferAsync(string from, string to)
    {
        if (state.State.Uid == from || state.State.Uid is null)
        {
            state.State.Uid = to;
            await state.WriteOrDeactivateAsync(GrainContext);
        }
    }

    public Task<string?> ResolveAsync() => Task.FromResult(state.State.Uid);

    public async Task<AccountOutcome> GetProfileAsync() =>
        state.State.Uid is { } uid
            ? await GrainFactory.Reference<IUserGrain>(AccountKeys.User(ApiKey, uid)).GetProfileAsync()
            : AccountOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist));

    public async Task<Problem?> DeleteOwnerAsync(TenantSnapshot? tenant = null) =>
        state.State.Uid is { } uid
            ? await GrainFactory.Reference<IUserGrain>(AccountKeys.User(ApiKey, uid)).DeleteAsync(tenant)
            : new Problem(ErrorCode.UserDoesNotExist);

    public async Task<LoginOutcome> LoginWithPasswordAsync(TenantSnapshot tenant, Sensitive password, LockProof? proof = null, CancellationToken cancellationToken = default)
    {
        if (state.State.Uid is not { } uid)
        {
            await hasher.VerifyNothingAsync(password, cancellationToken);
            return LoginOutcome.Fail(new Problem(ErrorCode.InvalidCredentials));
        }

        return await GrainFactory.Reference<IUserGrain>(AccountKeys.User(ApiKey, uid)).LoginWithPasswordAsync(tenant, password, proof, cancellationToken);
    }
}
