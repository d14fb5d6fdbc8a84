using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Cluster;

/// <summary>Requests that can be refused without the PIN never reach the hasher.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CheapRefusalTests(ClusterFixture fixture)
{
    [Fact]
    public async Task An_unknown_identifier_costs_one_hash_like_a_known_one_so_existence_does_not_show()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var index = fixture.Grains.GetGrain<PinOrleans.Accounts.IIdentifierGrain>(
            PinOrleans.Accounts.AccountKeys.Identifier(tenant.ApiKey, PinOrleans.Accounts.IdentifierKind.Email, $"{Guid.NewGuid():N}@example.com"));

        var before = fixture.HashCount;
        var answer = await index.LoginWithPasswordAsync(snapshot, "whatever-password");

        Assert.Equal(ErrorCode.InvalidCredentials, answer.Problem?.Code);
        Assert.Equal(before + 1, fixture.HashCount);
    }

    [Fact]
    public async Task A_locked_account_refuses_without_hashing()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant);
        var session = fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(await fixture.NewSessionAsync(tenant, uid))!);
        for (var i = 0; i < 5; i++)
        {
            await session.LoginWithPinAsync(snapshot, "0000");
        }

        var before = fixture.HashCount;
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(ErrorCode.AccountSuspended, (await session.LoginWithPinAsync(snapshot, "1234")).Problem?.Code);
        }

        Assert.Equal(before, fixture.HashCount);
    }

    [Fact]
    public async Task Unknown_revoked_and_expired_sessions_refuse_without_hashing()
    {
        var tenant = await fixture.NewTenantAsync();
        var snapshot = await fixture.SnapshotAsync(tenant);
        var uid = await fixture.NewAccountAsync(tenant);
        var revoked = fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(await fixture.NewSessionAsync(tenant, uid))!);
        await revoked.RevokeAsync();
        var expired = fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(SecretToken.New())!);
        var past = fixture.Clock.GetUtcNow().AddHours(-2);
        await expired.StartAsync(new TokenGrant(tenant.ApiKey, uid, past, past.AddHours(1)));
        var unknown = fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(SecretToken.New())!);

        var before = fixture.HashCount;

        Assert.Equal(ErrorCode.SessionTokenInvalid, (await revoked.LoginWithPinAsync(snapshot, "1234")).Problem?.Code);
        Assert.Equal(ErrorCode.SessionTokenExpired, (await expired.LoginWithPinAsync(snapshot, "1234")).Problem?.Code);
        Assert.Equal(ErrorCode.SessionTokenInvalid, (await unknown.LoginWithPinAsync(snapshot, "1234")).Problem?.Code);
        Assert.Equal(before, fixture.HashCount);
    }

    [Fact]
    public async Task A_session_of_another_tenant_disabled_pin_login_and_a_missing_pin_refuse_without_hashing()
    {
        var tenant = await fixture.NewTenantAsync();
        var other = await fixture.SnapshotAsync(await fixture.NewTenantAsync());
        var disabled = (await fixture.SnapshotAsync(tenant)) with { Settings = new TenantSettings { Pin = new PinPolicy { PINLogin = false } } };
        var withPin = await fixture.NewAccountAsync(tenant);
        var withoutPin = await fixture.NewAccountAsync(tenant, pin: null);
        var session = fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(await fixture.NewSessionAsync(tenant, withPin))!);
        var noPinSession = fixture.Grains.GetGrain<IPinSessionGrain>(SecretToken.KeyOf(await fixture.NewSessionAsync(tenant, withoutPin))!);

        var before = fixture.HashCount;

        Assert.Equal(ErrorCode.SessionTokenInvalid, (await session.LoginWithPinAsync(other, "1234")).Problem?.Code);
        Assert.Equal(ErrorCode.PinLoginNotEnabled, (await session.LoginWithPinAsync(disabled, "1234")).Problem?.Code);
        Assert.Equal(ErrorCode.PinNotAvailable, (await noPinSession.LoginWithPinAsync(await fixture.SnapshotAsync(tenant), "1234")).Problem?.Code);
        Assert.Equal(before, fixture.HashCount);
    }
}
