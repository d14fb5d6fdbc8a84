using Microsoft.Extensions.DependencyInjection;

namespace PinOrleans.Sessions;

/// <summary>A step-up token: proof that the user re-entered their PIN moments ago, good for one check.</summary>
public sealed class StepUpTokenGrain(
    [PersistentState("stepup", StorageNames.Store)] IPersistentState<TokenState> state,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time) : TokenGrain(state), IStepUpTokenGrain
{
    public Task StartAsync(TokenGrant grant) => IssueOnceAsync(grant);

    public async Task<bool> ConsumeAsync(string apiKey, string uid)
    {
        if (StandingFor(apiKey, time.GetUtcNow(), singleUse: true) != TokenStanding.Live || Token.Grant is not { } grant
            || !string.Equals(grant.Uid, uid, StringComparison.OrdinalIgnoreCase) || !await grant.AccountAcceptsAsync(GrainFactory))
        {
            return false;
        }

        Token.Used = true;
        await SaveAsync();
        return true;
    }
}
