using Microsoft.AspNetCore.Http;
using PinOrleans.Gateway.Wire;
using PinOrleans.Security;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// <see cref="SottTenant"/>, the caller a registration route puts first: the API key and a live SOTT in
/// <c>X-LoginRadius-Sott</c>, checked by the tenant grain against its sealed secret; reusable until it expires.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SottTenantTests(ClusterFixture fixture)
{
    private static HttpRequest Request(string apiKey, string? sott)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-LoginRadius-ApiKey"] = apiKey;
        if (sott is not null)
        {
            context.Request.Headers[SecureOneTimeToken.Header] = sott;
        }

        return context.Request;
    }

    private string SottOf(TestTenant tenant, TimeSpan from, TimeSpan to, string? apiKey = null, string? secret = null)
    {
        var now = fixture.Clock.GetUtcNow();
        return SecureOneTimeToken.Make(SecureOneTimeToken.DeriveKey(secret ?? tenant.ApiSecret), apiKey ?? tenant.ApiKey, now + from, now + to);
    }

    private async Task<LoginRadiusError> RefusedAsync(HttpRequest request) =>
        (await Assert.ThrowsAsync<LoginRadiusException>(() => ApiRequest.SottTenantAsync(request, fixture.Grains))).Error;

    [Fact]
    public async Task A_live_sott_binds_the_tenant_and_stays_usable_until_it_expires()
    {
        var tenant = await fixture.NewTenantAsync();
        var sott = SottOf(tenant, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        Assert.Equal(tenant.ApiKey, (await ApiRequest.SottTenantAsync(Request(tenant.ApiKey, sott), fixture.Grains)).ApiKey);
        // Not single-use, as LoginRadius' are not.
        Assert.Equal(tenant.ApiKey, (await ApiRequest.SottTenantAsync(Request(tenant.ApiKey, sott), fixture.Grains)).ApiKey);

        fixture.Clock.Advance(TimeSpan.FromMinutes(10) + SecureOneTimeToken.ClockSkew + TimeSpan.FromSeconds(1));
        var expired = await RefusedAsync(Request(tenant.ApiKey, sott));
        Assert.Equal(908, expired.Code);
        Assert.Contains("expired", expired.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sott_for_a_rotated_secret_stops_working_and_one_for_the_new_secret_works()
    {
        var tenant = await fixture.NewTenantAsync();
        var old = SottOf(tenant, TimeSpan.Zero, TimeSpan.FromMinutes(10));
        var rotated = Sessions.SecretToken.New();
        await fixture.Grains.GetGrain<ITenantGrain>(tenant.ApiKey).RotateSecretAsync(rotated);
        Assert.Equal(908, (await RefusedAsync(Request(tenant.ApiKey, old))).Code);
        var fresh = SottOf(tenant, TimeSpan.Zero, TimeSpan.FromMinutes(10), secret: rotated);
        Assert.Equal(tenant.ApiKey, (await ApiRequest.SottTenantAsync(Request(tenant.ApiKey, fresh), fixture.Grains)).ApiKey);
    }

    [Fact]
    public async Task Each_refusal_is_908_naming_the_header_and_why()
    {
        var tenant = await fixture.NewTenantAsync();
        var other = await fixture.NewTenantAsync();
        var missing = await RefusedAsync(Request(tenant.ApiKey, null));
        Assert.Equal((908, "The X-LoginRadius-Sott is a required parameter."), (missing.Code, missing.Description));
        Assert.Contains("not formatted correctly", (await RefusedAsync(Request(tenant.ApiKey, "garbage"))).Description, StringComparison.Ordinal);
        Assert.Contains("another API key", (await RefusedAsync(Request(tenant.ApiKey, SottOf(tenant, TimeSpan.Zero, TimeSpan.FromMinutes(5), apiKey: other.ApiKey)))).Description, StringComparison.Ordinal);
        Assert.Contains("not formatted correctly", (await RefusedAsync(Request(tenant.ApiKey, SottOf(other, TimeSpan.Zero, TimeSpan.FromMinutes(5), apiKey: tenant.ApiKey)))).Description, StringComparison.Ordinal);
        Assert.Contains("not valid yet", (await RefusedAsync(Request(tenant.ApiKey, SottOf(tenant, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15))))).Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_key_is_checked_first()
    {
        var tenant = await fixture.NewTenantAsync();
        var sott = SottOf(tenant, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        Assert.Equal(901, (await RefusedAsync(Request(Guid.NewGuid().ToString(), sott))).Code);
        Assert.Equal(901, (await RefusedAsync(Request("not-a-guid", sott))).Code);
    }
}
