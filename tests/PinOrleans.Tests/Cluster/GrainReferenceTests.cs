using PinOrleans.Accounts;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Cluster;

/// <summary>
/// <see cref="GrainReferences.Reference{T}"/> builds, from the second reference of an interface on, the same grain id
/// and the same reference Orleans' <c>GetGrain&lt;T&gt;</c> returns, for each interface on its own (one grain class
/// may serve two interfaces under one key).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GrainReferenceTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_kept_reference_is_the_grain_orleans_names_and_answers_as_it()
    {
        var tenant = await fixture.NewTenantAsync();
        var uid = await fixture.NewAccountAsync(tenant);
        var key = AccountKeys.User(tenant.ApiKey, uid);
        for (var round = 0; round < 3; round++)
        {
            var kept = fixture.Grains.Reference<IUserGrain>(key);
            var orleans = fixture.Grains.GetGrain<IUserGrain>(key);
            Assert.Equal(orleans.GetGrainId(), kept.GetGrainId());
            Assert.Equal(((GrainReference)orleans).InterfaceType, ((GrainReference)kept).InterfaceType);
            Assert.Equal(orleans, kept);
            Assert.Equal(uid, (await kept.GetProfileAsync()).Profile?.Uid);
        }

        // Another interface of the same grain class, and another grain class, keep their own types.
        var move = fixture.Grains.Reference<IAccountMoveGrain>(key);
        Assert.Equal(fixture.Grains.GetGrain<IAccountMoveGrain>(key).GetGrainId(), fixture.Grains.Reference<IAccountMoveGrain>(key).GetGrainId());
        Assert.Equal(((GrainReference)fixture.Grains.GetGrain<IAccountMoveGrain>(key)).InterfaceType, ((GrainReference)move).InterfaceType);
        Assert.NotEqual(((GrainReference)fixture.Grains.Reference<IUserGrain>(key)).InterfaceType, ((GrainReference)move).InterfaceType);
        var session = SecretToken.KeyOf(SecretToken.New())!;
        Assert.Equal(fixture.Grains.GetGrain<IPinSessionGrain>(session).GetGrainId(), fixture.Grains.Reference<IPinSessionGrain>(session).GetGrainId());
        Assert.Equal(fixture.Grains.GetGrain<ITenantGrain>(tenant.ApiKey).GetGrainId(), fixture.Grains.Reference<ITenantGrain>(tenant.ApiKey).GetGrainId());
        Assert.Throws<ArgumentException>(() => fixture.Grains.Reference<IUserGrain>(" "));
    }
}
