using Microsoft.Extensions.DependencyInjection;

namespace PinOrleans.Sessions;

/// <summary>A step-up token: proof that the user re-entered their PIN moments ago, good for one check.</summary>
public sealed class StepUpTokenGrain(
    [FromKeyedServices(StorageNames.Store)] IGrainStorage storage,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time) : TokenGrain(storage, "stepup"), IStepUpTokenGrain
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
