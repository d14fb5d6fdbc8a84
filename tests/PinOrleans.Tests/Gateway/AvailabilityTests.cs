using System.Net;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// <c>GET /identity/v2/auth/email?email=</c>, <c>/username</c>, <c>/phone</c>: <c>{IsExist}</c> as LoginRadius answers it,
/// asked only by whom the tenant's <c>Registration:AvailabilityChecks</c> lets ask, and rate limited.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AvailabilityTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    private static Dictionary<string, string> Secret(TestTenant tenant) => new() { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

    private static Task<HttpResponseMessage> CheckAsync(Api api, TestTenant tenant, string kind, string value, IDictionary<string, string>? headers = null) =>
        api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/{kind}?apikey={tenant.ApiKey}&{kind}={Uri.EscapeDataString(value)}", headers: headers);

    private async Task<(string Email, string UserName, string Phone)> AccountAsync(TestTenant tenant)
    {
        var id = Guid.NewGuid().ToString("N");
        var phone = "+1555" + Random.Shared.Next(1_000_000, 9_999_999);
        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}",
            new { Email = new[] { new { Type = "Primary", Value = $"{id}@example.com" } }, Password = Api.Password, UserName = "u" + id, PhoneId = phone }, Secret(tenant)), HttpStatusCode.OK);
        return ($"{id}@example.com", "u" + id, phone);
    }

    private async Task<bool> IsExistAsync(TestTenant tenant, string kind, string value, IDictionary<string, string>? headers = null) =>
        (await Api.ExpectAsync(await CheckAsync(Api, tenant, kind, value, headers), HttpStatusCode.OK)).GetProperty("IsExist").GetBoolean();

    [Fact]
    public async Task Open_checks_answer_is_exist_for_each_identifier_with_the_api_key_alone()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Registration = new RegistrationPolicy { AvailabilityChecks = AvailabilityChecks.Open } });
        var (email, userName, phone) = await AccountAsync(tenant);

        Assert.True(await IsExistAsync(tenant, "email", email.ToUpperInvariant()));
        Assert.True(await IsExistAsync(tenant, "username", userName));
        Assert.True(await IsExistAsync(tenant, "phone", phone));
        Assert.False(await IsExistAsync(tenant, "email", "nobody-" + email));
        Assert.False(await IsExistAsync(tenant, "username", userName + "x"));
        Assert.False(await IsExistAsync(tenant, "phone", "+15550000001"));
        Assert.Equal("""{"IsExist":true}""", (await Api.ExpectAsync(await CheckAsync(Api, tenant, "email", email), HttpStatusCode.OK)).GetRawText());

        // Another tenant's accounts are not seen; the parameter is required.
        var other = await fixture.NewTenantAsync(new TenantSettings { Registration = new RegistrationPolicy { AvailabilityChecks = AvailabilityChecks.Open } });
        Assert.False(await IsExistAsync(other, "email", email));
        // auth/email without either parameter is a verification without its token (verifyEmail shares the path).
        foreach (var (kind, parameter) in new[] { ("email", "verificationtoken"), ("username", "username"), ("phone", "phone") })
        {
            var missing = await Api.ExpectErrorAsync(await Api.Http.GetAsync($"/identity/v2/auth/{kind}?apikey={tenant.ApiKey}"), 403, 908);
            Assert.Contains($"The {parameter} is a required parameter.", missing.GetProperty("Description").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task By_default_only_a_caller_with_the_api_secret_may_ask()
    {
        var tenant = await fixture.NewTenantAsync();
        var (email, userName, phone) = await AccountAsync(tenant);

        foreach (var (kind, value) in new[] { ("email", email), ("username", userName), ("phone", phone) })
        {
            await Api.ExpectErrorAsync(await CheckAsync(Api, tenant, kind, value), 403, 908);
            await Api.ExpectErrorAsync(await CheckAsync(Api, tenant, kind, value, new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = Guid.NewGuid().ToString() }), 401, 902);
            Assert.True(await IsExistAsync(tenant, kind, value, Secret(tenant)));
        }

        // UniformAnswers off (LoginRadius' codes) opens them under Auto; ApiSecret keeps them closed anyway.
        var loginRadius = await fixture.NewTenantAsync(new TenantSettings { UniformAnswers = false });
        Assert.False(await IsExistAsync(loginRadius, "email", email));
        var closed = await fixture.NewTenantAsync(new TenantSettings { UniformAnswers = false, Registration = new RegistrationPolicy { AvailabilityChecks = AvailabilityChecks.ApiSecret } });
        await Api.ExpectErrorAsync(await CheckAsync(Api, closed, "email", email), 403, 908);
    }

    [Fact]
    public async Task Checks_over_the_availability_limit_answer_429_per_client_and_api_key()
    {
        await using var gateway = new GatewayFactory(fixture, web => web
            .UseSetting("RateLimiting:Availability:PermitLimit", "2")
            .UseSetting("RateLimiting:Availability:WindowSeconds", "600"));
        var api = new Api(gateway.CreateClient());
        var open = new TenantSettings { Registration = new RegistrationPolicy { AvailabilityChecks = AvailabilityChecks.Open } };
        var tenant = await fixture.NewTenantAsync(open);
        var other = await fixture.NewTenantAsync(open);

        await Api.ExpectAsync(await CheckAsync(api, tenant, "email", "a@example.com"), HttpStatusCode.OK);
        await Api.ExpectAsync(await CheckAsync(api, tenant, "username", "someone"), HttpStatusCode.OK);
        var refused = await CheckAsync(api, tenant, "phone", "+15550000002");
        await Api.ExpectErrorAsync(refused, 429, 429);
        Assert.True(refused.Headers.Contains("Retry-After"));
        // Another API key has its own window; other routes are not counted.
        await Api.ExpectAsync(await CheckAsync(api, other, "email", "a@example.com"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { email = "a@example.com", password = "whatever-1" }), 401, 966);
    }
}
