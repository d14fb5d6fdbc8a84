using PinOrleans.Sessions;

namespace PinOrleans.Recovery;

/// <summary>
/// The lookup part of a link token (reset, verification, deletion), pointing at the account that issued it. Whether
/// the link is still good (the latest of its purpose, unused, unexpired, with the right secret) is the account's
/// decision. (Its grain type keeps the name it had when only PIN resets had links, so stored links stay found.)
/// </summary>
[GrainType("pinresetlink")]
public sealed class SecretLinkGrain(
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(StorageNames.Store)] IGrainStorage storage) : TokenGrain(storage, "pinreset"), ISecretLinkGrain
{
    public Task StartAsync(TokenGrant grant) => IssueOnceAsync(grant);

    public Task<string?> ResolveAsync(string apiKey) =>
        Task.FromResult(Token.Grant is { } grant && grant.ApiKey == apiKey ? grant.Uid : null);
}
