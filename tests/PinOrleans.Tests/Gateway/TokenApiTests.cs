using System.Net;
using System.Text.Json;
using PinOrleans.Sessions;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>Token lifecycle after login: validate, info, profile by token, logout, PIN session invalidation.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TokenApiTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    private async Task<(TestTenant Tenant, JsonElement Login)> LoggedInAsync()
    {
        var tenant = await fixture.NewTenantAsync();
        return (tenant, (await Api.NewLoggedInAccountAsync(tenant)).Login);
    }

    private Task<HttpResponseMessage> GetAsync(string url, string? bearer = null) =>
        Api.SendAsync(HttpMethod.Get, url, headers: bearer is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {bearer}" });

    [Fact]
    public async Task Validate_info_and_profile_accept_the_token_as_bearer_query_or_both()
    {
        var (tenant, login) = await LoggedInAsync();
        var token = login.GetProperty("access_token").GetString()!;
        var uid = login.GetProperty("Profile").GetProperty("Uid").GetString();

        var validated = await Api.ExpectAsync(await GetAsync($"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}", token), HttpStatusCode.OK);
        Assert.Equal(token, validated.GetProperty("access_token").GetString());
        Assert.Equal(login.GetProperty("expires_in").GetString(), validated.GetProperty("expires_in").GetString());

        var info = await Api.ExpectAsync(await GetAsync($"/identity/v2/auth/access_token?apiKey={tenant.ApiKey}&access_token={token}"), HttpStatusCode.OK);
        Assert.Equal(token, info.GetProperty("access_token").GetString());
        Assert.False(info.GetProperty("isrememberme").GetBoolean());

        // Node SDK: query and Bearer at once; Android spelling of the path.
        var profile = await Api.ExpectAsync(await GetAsync($"/identity/v2/auth/account?apiKey={tenant.ApiKey}&access_token={token}", token), HttpStatusCode.OK);
        Assert.Equal(uid, profile.GetProperty("Uid").GetString());
        await Api.ExpectAsync(await GetAsync($"/identity/v2/auth/access_token/Validate?apikey={tenant.ApiKey}", token), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Missing_malformed_foreign_and_expired_tokens_get_1060_905_and_906()
    {
        var (tenant, login) = await LoggedInAsync();
        var token = login.GetProperty("access_token").GetString()!;
        var other = await fixture.NewTenantAsync();
        var (expired, expiredRefresh) = SecretToken.NewPair();
        var past = fixture.Clock.GetUtcNow().AddHours(-1);
        await fixture.Grains.GetGrain<ILoginTokensGrain>(SecretToken.PairKeyOf(expired)!)
            .IssueAsync(new LoginTokens(new TokenGrant(tenant.ApiKey, login.GetProperty("Profile").GetProperty("Uid").GetString()!, past, past.AddMinutes(15)),
                LoginTokens.HashOf(expired), LoginTokens.HashOf(expiredRefresh), past.AddDays(1)));

        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}"), 400, 1060);
        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}", "not-a-token"), 403, 905);
        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}", Guid.NewGuid().ToString()), 403, 905);
        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/access_token/validate?apikey={other.ApiKey}", token), 403, 905);
        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/account?apikey={tenant.ApiKey}", expired), 403, 906);
        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/access_token/validate", token), 403, 908);
    }

    [Fact]
    public async Task Invalidate_logs_out_and_prevent_refresh_also_revokes_the_refresh_token()
    {
        var (tenant, login) = await LoggedInAsync();
        var token = login.GetProperty("access_token").GetString()!;
        var pair = fixture.Grains.GetGrain<ILoginTokensGrain>(SecretToken.PairKeyOf(login.GetProperty("refresh_token").GetString())!);

        var posted = await Api.ExpectAsync(await GetAsync($"/identity/v2/auth/access_token/invalidate?apikey={tenant.ApiKey}", token), HttpStatusCode.OK);
        Assert.True(posted.GetProperty("IsPosted").GetBoolean());
        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}", token), 403, 905);
        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/access_token/invalidate?apikey={tenant.ApiKey}", token), 403, 905);
        Assert.False((await fixture.StoredStateAsync<LoginTokensState>("tokens", pair)).RefreshRevoked);

        var second = await Api.LoginAsync(tenant, login.GetProperty("Profile").GetProperty("Email")[0].GetProperty("Value").GetString()!);
        var secondPair = fixture.Grains.GetGrain<ILoginTokensGrain>(SecretToken.PairKeyOf(second.GetProperty("refresh_token").GetString())!);
        await Api.ExpectAsync(await GetAsync($"/identity/v2/auth/access_token/invalidate?apikey={tenant.ApiKey}&preventRefresh=true", second.GetProperty("access_token").GetString()), HttpStatusCode.OK);
        Assert.True((await fixture.StoredStateAsync<LoginTokensState>("tokens", secondPair)).RefreshRevoked);
    }

    [Fact]
    public async Task An_invalidated_pin_session_is_refused_everywhere()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, session) = await Api.AccountWithSessionAsync(tenant);
        var other = await fixture.NewTenantAsync();

        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/session_token/invalidate?apikey={other.ApiKey}&session_token={session}"), 403, 1245);
        var posted = await Api.ExpectAsync(await GetAsync($"/identity/v2/auth/session_token/InValidate?apikey={tenant.ApiKey}&session_token={session}"), HttpStatusCode.OK);
        Assert.True(posted.GetProperty("IsPosted").GetBoolean());

        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, "7890"), 403, 1245);
        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/session_token/invalidate?apikey={tenant.ApiKey}&session_token={session}"), 403, 1245);
        await Api.ExpectErrorAsync(await GetAsync($"/identity/v2/auth/session_token/invalidate?apikey={tenant.ApiKey}"), 403, 908);
    }

    [Fact]
    public async Task Accounts_are_read_by_uid_email_username_and_phone_with_the_secret()
    {
        var tenant = await fixture.NewTenantAsync();
        var email = $"{Guid.NewGuid():N}@example.com";
        var userName = $"u{Guid.NewGuid():N}";
        var phone = "+1415" + Random.Shared.Next(1000000, 9999999);
        var created = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}",
            new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password, UserName = userName, PhoneId = phone },
            new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret }), HttpStatusCode.OK);
        var uid = created.GetProperty("Uid").GetString();
        var secret = new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };
        var manage = $"/identity/v2/manage/account";

        foreach (var url in new[] { $"{manage}/{uid}?apikey={tenant.ApiKey}", $"{manage}?apikey={tenant.ApiKey}&email={email.ToUpperInvariant()}",
                     $"{manage}?apikey={tenant.ApiKey}&userName={userName}", $"{manage}?apikey={tenant.ApiKey}&phone={Uri.EscapeDataString(phone)}" })
        {
            var profile = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, url, headers: secret), HttpStatusCode.OK);
            Assert.Equal(uid, profile.GetProperty("Uid").GetString());
        }

        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"{manage}/{Guid.NewGuid():N}?apikey={tenant.ApiKey}", headers: secret), 403, 938);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"{manage}?apikey={tenant.ApiKey}&email=nobody@example.com", headers: secret), 403, 938);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"{manage}/bad%20uid?apikey={tenant.ApiKey}", headers: secret), 403, 1200);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"{manage}?apikey={tenant.ApiKey}", headers: secret), 403, 908);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"{manage}/{uid}?apikey={tenant.ApiKey}"), 403, 908);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"{manage}/{uid}?apikey={tenant.ApiKey}", headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = "wrong" }), 401, 902);
    }
}
