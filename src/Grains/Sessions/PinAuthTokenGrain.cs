using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Accounts;
using PinOrleans.Tenants;

namespace PinOrleans.Sessions;

/// <summary>One chance to set a missing PIN: spent before the PIN is set, so it can never be used twice.</summary>
public sealed class PinAuthTokenGrain(
    [FromKeyedServices(StorageNames.Store)] IGrainStorage storage,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time) : TokenGrain(storage, "pinauth"), IPinAuthTokenGrain
{
    public Task StartAsync(TokenGrant grant) => IssueOnceAsync(grant);

    public async Task<LoginOutcome> SetPinAsync(TenantSnapshot tenant, Sensitive pin)
    {
        switch (StandingFor(tenant.ApiKey, time.GetUtcNow(), singleUse: true))
        {
            case TokenStanding.Unknown:
                return LoginOutcome.Fail(new Problem(ErrorCode.PinAuthTokenInvalid));
            case TokenStanding.Expired:
                return LoginOutcome.Fail(new Problem(ErrorCode.PinAuthTokenExpired));
        }

        var grant = Token.Grant!;

        // A PIN the schema refuses does not spend the token: the user may try another.
        if (AccountRules.PinError(pin.Value, tenant.Settings.Pin) is { } error)
        {
            return LoginOutcome.Fail(Problem.Validation("PIN", error));
        }

        if (!await grant.AccountAcceptsAsync(GrainFactory))
        {
            return LoginOutcome.Fail(new Problem(ErrorCode.PinAuthTokenInvalid));
        }

        Token.Used = true;
        await SaveAsync();
        var set = await GrainFactory.Reference<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).SetPinAsync(tenant, pin);
        if (set.Problem is { } problem)
        {
            return LoginOutcome.Fail(problem);
        }

        var tokens = await TokenIssuer.IssueAsync(GrainFactory, tenant, grant.Uid, set.Profile!.Stamp, time.GetUtcNow(), withPinSession: true);
        return new LoginOutcome(set.Profile, tokens, null);
    }
}
