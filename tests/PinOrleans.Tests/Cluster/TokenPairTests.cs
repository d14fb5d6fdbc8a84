using PinOrleans.Accounts;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Cluster;

/// <summary>The access and refresh token of a login go through the one token guard, in its order.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TokenPairTests(ClusterFixture fixture)
{
    /// <summary>A fresh tenant and account, logged in by password through the grains: the tokens and their pair.</summary>
    private async Task<(TestTenant Tenant, TenantSnapshot Snapshot, IssuedTokens Login, ILoginTokensGrain Pair)> LoggedInAsync()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant);
        var login = (await fixture.Grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).LoginWithPasswordAsync(snapshot, "correct-horse-42")).Tokens!;
        return (tenant, snapshot, login, fixture.Grains.GetGrain<ILoginTokensGrain>(SecretToken.PairKeyOf(login.AccessToken)!));
    }

    [Fact]
    public async Task A_rotated_refresh_token_that_comes_back_after_its_pair_was_logged_out_is_still_reuse()
    {
        var (tenant, snapshot, login, pair) = await LoggedInAsync();

        var rotated = await pair.RefreshAsync(snapshot, login.RefreshToken);
        Assert.Null(rotated.Problem);
        // Logging the old access token out with preventRefresh revokes the (already spent) refresh token too.
        Assert.Null(await pair.InvalidateAccessAsync(tenant.ApiKey, login.AccessToken, preventRefresh: true));
        var newPair = fixture.Grains.GetGrain<ILoginTokensGrain>(SecretToken.PairKeyOf(rotated.Tokens!.AccessToken)!);
        Assert.Null((await newPair.ValidateAccessAsync(tenant.ApiKey, rotated.Tokens.AccessToken)).Problem);

        // Spent before revoked: the copy is caught, and the family its refresh produced dies with it.
        Assert.Equal(ErrorCode.RefreshTokenInvalid, (await pair.RefreshAsync(snapshot, login.RefreshToken)).Problem?.Code);
        Assert.Equal(ErrorCode.AccessTokenInvalid, (await newPair.ValidateAccessAsync(tenant.ApiKey, rotated.Tokens.AccessToken)).Problem?.Code);
    }

    [Fact]
    public async Task An_access_token_is_unknown_to_another_tenant_and_under_another_secret_and_revoked_once_logged_out()
    {
        var (tenant, _, login, pair) = await LoggedInAsync();
        var other = await fixture.NewTenantAsync();

        Assert.Equal(ErrorCode.AccessTokenInvalid, (await pair.ValidateAccessAsync(other.ApiKey, login.AccessToken)).Problem?.Code);
        // The refresh token shares the access token's lookup part, not its secret.
        Assert.Equal(ErrorCode.AccessTokenInvalid, (await pair.ValidateAccessAsync(tenant.ApiKey, login.RefreshToken)).Problem?.Code);
        Assert.Equal(login.ExpiresIn, (await pair.ValidateAccessAsync(tenant.ApiKey, login.AccessToken)).Grant?.ExpiresAt);

        Assert.Null(await pair.InvalidateAccessAsync(tenant.ApiKey, login.AccessToken, preventRefresh: false));
        Assert.Equal(ErrorCode.AccessTokenInvalid, (await pair.ValidateAccessAsync(tenant.ApiKey, login.AccessToken)).Problem?.Code);
        // Its refresh token was not revoked with it.
        Assert.Null(await pair.RevokeRefreshAsync(tenant.ApiKey, login.RefreshToken));
        Assert.Equal(ErrorCode.RefreshTokenInvalid, (await pair.RevokeRefreshAsync(tenant.ApiKey, login.RefreshToken))?.Code);
    }
}
