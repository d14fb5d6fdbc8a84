using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PinOrleans.Gateway.Wire;
using PinOrleans.Security;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// <c>GET /identity/v2/manage/account/sott</c> (Node SDK <c>generateSott</c>) and <c>GET /identity/v2/serverinfo</c>
/// (<c>getServerInfo</c>), through the gateway.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SottApiTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    private static Dictionary<string, string> Secret(TestTenant tenant) => new() { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

    [Fact]
    public async Task Generate_sott_answers_a_live_sott_and_its_expiry_and_is_not_taken_for_a_uid()
    {
        var tenant = await fixture.NewTenantAsync();
        var before = fixture.Clock.GetUtcNow();
        var answer = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/sott?apikey={tenant.ApiKey}", headers: Secret(tenant)), HttpStatusCode.OK);
        // Had {uid} matched "sott", the answer would be a profile or "user does not exist", never a SOTT.
        var sott = answer.GetProperty("Sott").GetString()!;
        var expiry = answer.GetProperty("ExpiryTime").GetDateTimeOffset();
        Assert.InRange(expiry, before.AddMinutes(10).AddSeconds(-1), fixture.Clock.GetUtcNow().AddMinutes(10));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$", answer.GetProperty("ExpiryTime").GetString());
        Assert.Equal(SottRefusal.None, SecureOneTimeToken.Check(SecureOneTimeToken.DeriveKey(tenant.ApiSecret), tenant.ApiKey, sott, fixture.Clock.GetUtcNow()));

        // What a registration's SottTenant accepts.
        var request = new DefaultHttpContext().Request;
        request.Headers["X-LoginRadius-ApiKey"] = tenant.ApiKey;
        request.Headers[SecureOneTimeToken.Header] = sott;
        Assert.Equal(tenant.ApiKey, (await ApiRequest.SottTenantAsync(request, fixture.Grains)).ApiKey);
    }

    [Fact]
    public async Task Generate_sott_gives_the_time_difference_asked_for()
    {
        var tenant = await fixture.NewTenantAsync();
        var before = fixture.Clock.GetUtcNow();
        var answer = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/sott?apikey={tenant.ApiKey}&timeDifference=30", headers: Secret(tenant)), HttpStatusCode.OK);
        var expiry = answer.GetProperty("ExpiryTime").GetDateTimeOffset();
        Assert.InRange(expiry, before.AddMinutes(30).AddSeconds(-1), fixture.Clock.GetUtcNow().AddMinutes(30));
        var sott = answer.GetProperty("Sott").GetString()!;
        var key = SecureOneTimeToken.DeriveKey(tenant.ApiSecret);
        Assert.Equal(SottRefusal.None, SecureOneTimeToken.Check(key, tenant.ApiKey, sott, expiry.AddMinutes(-1)));
        Assert.Equal(SottRefusal.Expired, SecureOneTimeToken.Check(key, tenant.ApiKey, sott, expiry + SecureOneTimeToken.ClockSkew + TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("99999999999")]
    public async Task A_time_difference_that_is_not_a_whole_number_of_minutes_is_908(string value)
    {
        var tenant = await fixture.NewTenantAsync();
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/sott?apikey={tenant.ApiKey}&timedifference={value}", headers: Secret(tenant)), 403, 908);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/serverinfo?apikey={tenant.ApiKey}&timedifference={value}"), 403, 908);
    }

    [Fact]
    public async Task Generate_sott_needs_the_api_secret()
    {
        var tenant = await fixture.NewTenantAsync();
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/sott?apikey={tenant.ApiKey}"), 403, 908);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/sott?apikey={tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = "wrong" }), 401, 902);
    }

    [Fact]
    public async Task Server_info_answers_the_servers_time_and_a_sott_window()
    {
        var tenant = await fixture.NewTenantAsync();
        var before = fixture.Clock.GetUtcNow();
        var info = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/serverinfo?apikey={tenant.ApiKey}&timedifference=5"), HttpStatusCode.OK);
        var after = fixture.Clock.GetUtcNow();
        static DateTimeOffset Read(JsonElement e) => DateTimeOffset.ParseExact(e.GetString()!, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var current = Read(info.GetProperty("CurrentTime"));
        Assert.InRange(current, before.AddSeconds(-1), after);
        var window = info.GetProperty("Sott");
        Assert.Equal(current, Read(window.GetProperty("StartTime")));
        Assert.Equal(current.AddMinutes(5), Read(window.GetProperty("EndTime")));
        Assert.Equal("5 Minutes", window.GetProperty("TimeDifference").GetString());
        Assert.Equal("PinOrleans", info.GetProperty("ServerName").GetString());
        Assert.False(string.IsNullOrEmpty(info.GetProperty("ServerLocation").GetString()));

        var standard = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/serverinfo?apikey={tenant.ApiKey}"), HttpStatusCode.OK);
        Assert.Equal("10 Minutes", standard.GetProperty("Sott").GetProperty("TimeDifference").GetString());
    }

    [Fact]
    public async Task Server_info_follows_the_service_clock()
    {
        var tenant = await fixture.NewTenantAsync();
        fixture.Clock.Advance(TimeSpan.FromHours(3));
        var expected = fixture.Clock.GetUtcNow();
        var info = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/serverinfo?apikey={tenant.ApiKey}"), HttpStatusCode.OK);
        var current = DateTimeOffset.ParseExact(info.GetProperty("CurrentTime").GetString()!, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(current, expected.AddSeconds(-1), fixture.Clock.GetUtcNow());
    }

    [Fact]
    public async Task Server_info_needs_a_known_api_key()
    {
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, "/identity/v2/serverinfo"), 403, 908);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/serverinfo?apikey={Guid.NewGuid()}"), 403, 901);
    }
}
