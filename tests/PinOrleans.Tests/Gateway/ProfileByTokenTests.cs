using System.Net;
using System.Text.Json;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Gateway;

/// <summary>The profile routes of an access token: update, user name, phone, sliding token, security questions.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ProfileByTokenTests(ClusterFixture fixture)
{
    private Api Api => fixture.Api;

    private static Dictionary<string, string> Bearer(string token) => new() { ["Authorization"] = $"Bearer {token}" };

    private static string Get(JsonElement json, string name) => json.GetProperty(name).GetString()!;

    private Dictionary<string, string> Secret(TestTenant tenant) => new() { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

    private Task<HttpResponseMessage> UpdateAsync(TestTenant tenant, string access, string body, string query = "") =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/account?apikey={tenant.ApiKey}{query}", body, headers: Bearer(access));

    private Task<HttpResponseMessage> SetUserNameAsync(TestTenant tenant, string access, string userName) =>
        Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/username?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { username = userName }), headers: Bearer(access));

    private Task<HttpResponseMessage> CreateAsync(TestTenant tenant, object body) =>
        Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}", body, Secret(tenant));

    private async Task<JsonElement> ProfileAsync(TestTenant tenant, string access) =>
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/account?apikey={tenant.ApiKey}", headers: Bearer(access)), HttpStatusCode.OK);

    [Fact]
    public async Task Profile_fields_merge_nulls_are_ignored_unless_nullsupport_and_what_a_user_may_not_change_is_ignored()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, _, login) = await Api.NewLoggedInAccountAsync(tenant);
        var access = Get(login, "access_token");

        var first = await Api.ExpectAsync(await UpdateAsync(tenant, access, """{"FirstName":"Ada","LastName":"Lovelace","City":"London"}"""), HttpStatusCode.OK);
        Assert.True(first.GetProperty("IsPosted").GetBoolean());
        Assert.Equal("Ada", Get(first.GetProperty("Data"), "FirstName"));

        var merged = await Api.ExpectAsync(await UpdateAsync(tenant, access,
            """{"lastname":"Byron","City":null,"Uid":"someone-else","EmailVerified":true,"IsActive":false,"IsLoginLocked":true,"Password":"x","PINInfo":{"PIN":"0000"}}"""), HttpStatusCode.OK);
        var data = merged.GetProperty("Data");
        Assert.Equal(("Ada", "Byron", "London"), (Get(data, "FirstName"), Get(data, "LastName"), Get(data, "City")));
        Assert.Equal(Get(login.GetProperty("Profile"), "Uid"), Get(data, "Uid"));
        Assert.False(data.GetProperty("EmailVerified").GetBoolean());
        Assert.True(data.GetProperty("IsActive").GetBoolean());
        // The PIN is unchanged: 7890 still logs in.
        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, Get(login, "session_token"), "7890"), HttpStatusCode.OK);

        var cleared = await Api.ExpectAsync(await UpdateAsync(tenant, access, """{"City":null,"FirstName":"Ada"}""", "&nullsupport=true"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("Data").GetProperty("City").ValueKind);
        Assert.Equal("Byron", Get((await ProfileAsync(tenant, access)), "LastName"));
    }

    [Fact]
    public async Task A_field_of_the_wrong_kind_is_1134_and_a_bad_nullsupport_908()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, _, login) = await Api.NewLoggedInAccountAsync(tenant);

        var error = await Api.ExpectErrorAsync(await UpdateAsync(tenant, Get(login, "access_token"), """{"FirstName":42}"""), 403, 1134);
        Assert.Equal("FirstName", Get(error.GetProperty("Errors")[0], "FieldName"));
        await Api.ExpectErrorAsync(await UpdateAsync(tenant, Get(login, "access_token"), """{"FirstName":"Ada"}""", "&nullsupport=maybe"), 403, 908);
        await Api.ExpectErrorAsync(await UpdateAsync(tenant, Guid.NewGuid().ToString(), """{"FirstName":"Ada"}"""), 403, 905);
    }

    [Fact]
    public async Task A_token_of_a_deleted_account_changes_nothing()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, uid, login) = await Api.NewLoggedInAccountAsync(tenant);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", headers: Secret(tenant)), HttpStatusCode.OK);

        // The token died with the account: nothing is recreated.
        await Api.ExpectErrorAsync(await UpdateAsync(tenant, Get(login, "access_token"), """{"FirstName":"Ada"}"""), 403, 905);
    }

    [Fact]
    public async Task Security_answers_set_by_access_token_are_hashed_and_reset_the_pin()
    {
        var tenant = await fixture.NewTenantAsync();
        var (email, uid, login) = await Api.NewLoggedInAccountAsync(tenant);

        await Api.ExpectAsync(await UpdateAsync(tenant, Get(login, "access_token"), """{"SecurityQuestionAnswer":{"q1":"Blue","q2":"Green"}}"""), HttpStatusCode.OK);

        var stored = await fixture.StoredUserAsync(tenant, uid);
        Assert.Equal(["q1", "q2"], stored.SecurityAnswers.Keys.Order());
        Assert.All(stored.SecurityAnswers.Values, hash => Assert.DoesNotContain("blue", hash, StringComparison.OrdinalIgnoreCase));
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/reset/securityanswer/email?apikey={tenant.ApiKey}",
            JsonSerializer.Serialize(new { Email = email, SecurityAnswer = new { q1 = "blue", q2 = " green " }, PIN = "2468" })), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Setting_the_user_name_claims_the_new_one_and_frees_the_old_one()
    {
        var tenant = await fixture.NewTenantAsync();
        var (email, _, login) = await Api.NewLoggedInAccountAsync(tenant);
        var access = Get(login, "access_token");
        var first = $"ada{Guid.NewGuid():N}"[..20];
        var second = $"byron{Guid.NewGuid():N}"[..20];

        Assert.True((await Api.ExpectAsync(await SetUserNameAsync(tenant, access, first), HttpStatusCode.OK)).GetProperty("IsPosted").GetBoolean());
        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { username = first, password = Api.Password }), HttpStatusCode.OK);
        await Api.ExpectAsync(await SetUserNameAsync(tenant, access, first), HttpStatusCode.OK);
        await Api.ExpectAsync(await SetUserNameAsync(tenant, access, second), HttpStatusCode.OK);

        Assert.Equal(second, Get(await ProfileAsync(tenant, access), "UserName"));
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={tenant.ApiKey}", new { username = first, password = Api.Password }), 401, 966);
        // The old name is free for another account; the new one is not.
        await Api.ExpectAsync(await CreateAsync(tenant, new { Email = new[] { new { Type = "Primary", Value = $"{Guid.NewGuid():N}@example.com" } }, Password = Api.Password, UserName = first }), HttpStatusCode.OK);
        var other = await Api.NewLoggedInAccountAsync(tenant);
        await Api.ExpectErrorAsync(await SetUserNameAsync(tenant, Get(other.Login, "access_token"), second.ToUpperInvariant()), 403, 1017);
        await Api.ExpectErrorAsync(await SetUserNameAsync(tenant, Get(other.Login, "access_token"), first), 403, 1017);
        Assert.Equal(email, Get((await ProfileAsync(tenant, access)).GetProperty("Email")[0], "Value"));
    }

    [Theory]
    [InlineData("""{"username":"has space"}""")]
    [InlineData("""{"username":""}""")]
    [InlineData("""{}""")]
    public async Task A_missing_or_invalid_user_name_is_1134(string body)
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, _, login) = await Api.NewLoggedInAccountAsync(tenant);

        var error = await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/username?apikey={tenant.ApiKey}", body, headers: Bearer(Get(login, "access_token"))), 403, 1134);
        Assert.Equal("username", Get(error.GetProperty("Errors")[0], "FieldName"));
    }

    [Fact]
    public async Task Removing_the_phone_frees_it_and_a_second_removal_is_1043()
    {
        var tenant = await fixture.NewTenantAsync();
        var email = $"{Guid.NewGuid():N}@example.com";
        var phone = "+1415" + Random.Shared.Next(1000000, 9999999);
        await Api.ExpectAsync(await CreateAsync(tenant, new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password, PhoneId = phone }), HttpStatusCode.OK);
        var access = Get(await Api.LoginAsync(tenant, email), "access_token");

        var removed = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/auth/phone?apikey={tenant.ApiKey}", headers: Bearer(access)), HttpStatusCode.OK);

        Assert.True(removed.GetProperty("IsDeleted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, (await ProfileAsync(tenant, access)).GetProperty("PhoneId").ValueKind);
        await Api.ExpectAsync(await CreateAsync(tenant, new { Email = new[] { new { Type = "Primary", Value = $"{Guid.NewGuid():N}@example.com" } }, Password = Api.Password, PhoneId = phone }), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/auth/phone?apikey={tenant.ApiKey}", headers: Bearer(access)), 403, 1043);
    }

    [Fact]
    public async Task The_sliding_token_is_off_by_default()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, _, login) = await Api.NewLoggedInAccountAsync(tenant);

        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/sliding_token?apikey={tenant.ApiKey}&access_token={Get(login, "access_token")}"), 403, 909);
    }

    [Fact]
    public async Task A_slid_token_replaces_the_old_pair_lives_longer_and_dies_with_its_family()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Tokens = new TokenLifetimes { SlidingAccessToken = true } });
        var (_, _, login) = await Api.NewLoggedInAccountAsync(tenant);
        var old = Get(login, "access_token");
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));

        var slid = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/sliding_token?apikey={tenant.ApiKey}&access_token={old}"), HttpStatusCode.OK);

        var access = Get(slid, "access_token");
        Assert.NotEqual(old, access);
        Assert.True(slid.GetProperty("expires_in").GetDateTimeOffset() > login.GetProperty("expires_in").GetDateTimeOffset());
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}", headers: Bearer(old)), 403, 905);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}", headers: Bearer(access)), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/sliding_token?apikey={tenant.ApiKey}&access_token={old}"), 403, 905);

        // The old refresh token is spent: presented again, it revokes the whole login, the slid tokens included.
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/access_token/refresh?apikey={tenant.ApiKey}&refresh_token={Get(login, "refresh_token")}", headers: Secret(tenant)), 403, 1217);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={tenant.ApiKey}", headers: Bearer(access)), 403, 905);
    }

    [Fact]
    public async Task Sliding_never_keeps_a_login_past_its_family_lifetime()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Tokens = new TokenLifetimes { SlidingAccessToken = true, AccessTokenMinutes = 3 * 24 * 60, MaxRefreshFamilyDays = 2 } });
        var (_, _, login) = await Api.NewLoggedInAccountAsync(tenant);
        fixture.Clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));

        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/sliding_token?apikey={tenant.ApiKey}&access_token={Get(login, "access_token")}"), 403, 905);
    }

    [Fact]
    public async Task The_password_user_name_and_phone_events_reach_their_subscriptions()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync(new TenantSettings { Webhooks = new WebhookPolicy { RetryBaseSeconds = 0.2, MaxRetryDelaySeconds = 1, TimeoutSeconds = 2 } });
        string[] events = [WebhookEvents.ChangePassword, WebhookEvents.SetPassword, WebhookEvents.SetUsername, WebhookEvents.RemovePhoneId, WebhookEvents.UpdateProfile];
        foreach (var name in events)
        {
            await Api.ExpectAsync(await Api.PostAsync($"/v2/manage/webhooks?apikey={tenant.ApiKey}&apisecret={Uri.EscapeDataString(tenant.ApiSecret)}",
                new { Event = name, TargetUrl = receiver.Url("/hooks/" + name), Name = name }), HttpStatusCode.OK);
        }

        var email = $"{Guid.NewGuid():N}@example.com";
        var uid = Get(await Api.ExpectAsync(await CreateAsync(tenant, new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password, PhoneId = "+1415" + Random.Shared.Next(1000000, 9999999) }), HttpStatusCode.OK), "Uid");
        var access = Get(await Api.LoginAsync(tenant, email), "access_token");
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/password/change?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { oldpassword = Api.Password, newpassword = "second-secret-2" }), headers: Bearer(access)), HttpStatusCode.OK);
        await Api.ExpectAsync(await SetUserNameAsync(tenant, access, $"u{Guid.NewGuid():N}"[..20]), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/auth/phone?apikey={tenant.ApiKey}", headers: Bearer(access)), HttpStatusCode.OK);
        await Api.ExpectAsync(await UpdateAsync(tenant, access, """{"FirstName":"Ada"}"""), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}/password?apikey={tenant.ApiKey}", """{"password":"third-secret-3"}""", headers: Secret(tenant)), HttpStatusCode.OK);

        foreach (var name in events)
        {
            var delivered = await receiver.WaitForAsync(d => d.Path == "/hooks/" + name, 1, TimeSpan.FromSeconds(20));
            Assert.Equal(uid, JsonDocument.Parse(delivered[0].Body).RootElement.GetProperty("Data").GetProperty("Uid").GetString());
        }
    }

    private static readonly SecurityQuestionPolicy Questions = new()
    {
        Questions = new() { ["q1"] = "Your first pet?", ["q2"] = "Your first school?", ["q3"] = "Your favourite colour?" },
    };

    private async Task<(string Email, string UserName, string Phone, string Access)> AnsweredAccountAsync(TestTenant tenant)
    {
        var email = $"{Guid.NewGuid():N}@example.com";
        var userName = $"u{Guid.NewGuid():N}"[..20];
        var phone = "+1415" + Random.Shared.Next(1000000, 9999999);
        await Api.ExpectAsync(await CreateAsync(tenant, new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password, UserName = userName, PhoneId = phone }), HttpStatusCode.OK);
        var access = Get(await Api.LoginAsync(tenant, email), "access_token");
        await Api.ExpectAsync(await UpdateAsync(tenant, access, """{"SecurityQuestionAnswer":{"q2":"Elm","q3":"Blue"}}"""), HttpStatusCode.OK);
        return (email, userName, phone, access);
    }

    private Task<HttpResponseMessage> QuestionsAsync(TestTenant tenant, string route, string query) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/securityquestion/{route}?apikey={tenant.ApiKey}&{query}");

    private static List<(string Id, string Text)> Read(JsonElement list) =>
        list.EnumerateArray().Select(q => (Get(q, "QuestionId"), Get(q, "Question"))).ToList();

    [Fact]
    public async Task By_default_the_questions_do_not_tell_a_known_identifier_from_an_unknown_one()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { SecurityQuestions = Questions });
        var (email, userName, phone, access) = await AnsweredAccountAsync(tenant);

        var known = await Api.ExpectAsync(await QuestionsAsync(tenant, "email", $"email={email}"), HttpStatusCode.OK);
        var unknown = await Api.ExpectAsync(await QuestionsAsync(tenant, "email", $"email=nobody-{Guid.NewGuid():N}@example.com"), HttpStatusCode.OK);

        Assert.Equal(known.GetRawText(), unknown.GetRawText());
        Assert.Equal([("q1", "Your first pet?"), ("q2", "Your first school?"), ("q3", "Your favourite colour?")], Read(known));
        Assert.Equal(known.GetRawText(), (await Api.ExpectAsync(await QuestionsAsync(tenant, "username", $"userName={userName}"), HttpStatusCode.OK)).GetRawText());
        Assert.Equal(known.GetRawText(), (await Api.ExpectAsync(await QuestionsAsync(tenant, "phone", $"phone={Uri.EscapeDataString(phone)}"), HttpStatusCode.OK)).GetRawText());
        // By access token: the account's own questions.
        var own = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/securityquestion/accesstoken?apikey={tenant.ApiKey}", headers: Bearer(access)), HttpStatusCode.OK);
        Assert.Equal([("q2", "Your first school?"), ("q3", "Your favourite colour?")], Read(own));
    }

    [Fact]
    public async Task Without_uniform_answers_the_accounts_questions_and_loginradius_codes()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { SecurityQuestions = Questions, UniformAnswers = false });
        var (email, userName, phone, _) = await AnsweredAccountAsync(tenant);

        foreach (var (route, query) in new[] { ("email", $"email={email}"), ("username", $"username={userName}"), ("phone", $"phone={Uri.EscapeDataString(phone)}") })
        {
            Assert.Equal([("q2", "Your first school?"), ("q3", "Your favourite colour?")], Read(await Api.ExpectAsync(await QuestionsAsync(tenant, route, query), HttpStatusCode.OK)));
        }

        await Api.ExpectErrorAsync(await QuestionsAsync(tenant, "email", $"email=nobody-{Guid.NewGuid():N}@example.com"), 403, 1023);
        await Api.ExpectErrorAsync(await QuestionsAsync(tenant, "username", $"username=nobody{Guid.NewGuid():N}"), 403, 1022);
        await Api.ExpectErrorAsync(await QuestionsAsync(tenant, "phone", "phone=%2B14150000000"), 403, 1043);
        await Api.ExpectErrorAsync(await QuestionsAsync(tenant, "email", "phone=%2B14150000000"), 403, 908);
    }

    [Fact]
    public async Task Security_questions_switched_off_are_1095()
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { SecurityQuestions = Questions with { Enabled = false } });
        var (_, _, login) = await Api.NewLoggedInAccountAsync(tenant);

        await Api.ExpectErrorAsync(await QuestionsAsync(tenant, "email", "email=a@example.com"), 403, 1095);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/securityquestion/accesstoken?apikey={tenant.ApiKey}", headers: Bearer(Get(login, "access_token"))), 403, 1095);
    }
}
