using PinOrleans.Sessions;

namespace PinOrleans.Recovery;

/// <summary>
/// The lookup part of a reset link, pointing at the account that issued it. Whether the link is still good
/// (the latest, unused, unexpired, with the right secret) is the account's decision.
/// </summary>
public sealed class PinResetLinkGrain(
    [PersistentState("pinreset", StorageNames.Store)] IPersistentState<TokenState> state) : TokenGrain(state), IPinResetLinkGrain
{
    public Task StartAsync(TokenGrant grant) => IssueOnceAsync(grant);

    public Task<string?> ResolveAsync(string apiKey) =>
        Task.FromResult(Token.Grant is { } grant && grant.ApiKey == apiKey ? grant.Uid : null);
}
