using System.Text;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>Bad input of every kind gets a precise LoginRadius error, and a well-formed error body.</summary>
[Collection(EdgeCollection.Name)]
public sealed class MalformedInputTests(ClusterFixture fixture)
{
    private const string PinLogin = "/identity/v2/auth/login/pin?apikey={key}&session_token={session}";
    private const string Login = "/identity/v2/auth/login?apikey={key}";
    private const string CreateAccount = "/identity/v2/manage/account?apikey={key}&apisecret={secret}";
    private const string Json = "application/json";

    public static TheoryData<string, string, string, string, int, int> Cases => new()
    {
        // method, url, content type, body, HTTP status, ErrorCode
        { "POST", PinLogin, Json, """{"pin":""", 400, 965 },
        { "POST", PinLogin, Json, "[1,2,3]", 400, 965 },
        { "POST", PinLogin, Json, "\"7890\"", 400, 965 },
        { "POST", PinLogin, Json, "{\"pin\":\"7890\"} trailing", 400, 965 },
        { "POST", PinLogin, Json, new string('[', 200) + new string(']', 200), 400, 965 },
        { "POST", PinLogin, Json, "{'pin':'7890'}", 400, 965 },
        { "POST", PinLogin, Json, """{"pin":{"value":"7890"}}""", 403, 1134 },
        { "POST", PinLogin, Json, """{"pin":["7890"]}""", 403, 1134 },
        { "POST", PinLogin, Json, """{"pin":true}""", 403, 1134 },
        { "POST", PinLogin, Json, """{"pin":78.9}""", 403, 1134 },
        { "POST", PinLogin, Json, """{"pin":"\ud800"}""", 403, 1134 },
        { "POST", PinLogin, Json, "{\"pin\":\"" + new string('7', 5000) + "\"}", 403, 1134 },
        { "POST", PinLogin, Json, """{"pin":null}""", 403, 1234 },
        { "POST", PinLogin, Json, """{"pin":""}""", 403, 1234 },
        { "POST", PinLogin, Json, """{"pim":"7890"}""", 403, 1234 },
        { "POST", PinLogin, Json, "", 403, 1234 },
        { "POST", PinLogin, Json, """{"pin":"٧٨٩٠"}""", 401, 1236 },
        { "POST", PinLogin, Json, """{"pin":"7890\u202e"}""", 401, 1236 },
        { "POST", PinLogin, Json, """{"pin":"🔑🔑🔑🔑"}""", 401, 1236 },
        { "POST", PinLogin, Json, """{"pin":"78\u000090"}""", 401, 1236 },
        { "POST", PinLogin, Json, "{\"pad\":\"" + new string('x', 70 * 1024) + "\",\"pin\":\"7890\"}", 413, 413 },
        { "POST", PinLogin, "text/plain", """{"pin":"7890"}""", 415, 1083 },
        { "POST", PinLogin, "application/x-www-form-urlencoded", "pin=7890", 415, 1083 },
        { "POST", "/identity/v2/auth/login/pin?apikey={key}&session_token=' OR 1=1 --", Json, """{"pin":"7890"}""", 403, 1245 },
        { "POST", "/identity/v2/auth/login/pin?apikey={key}&session_token={session}&session_token=" + Guid.Empty, Json, """{"pin":"7890"}""", 403, 908 },
        { "POST", "/identity/v2/auth/login/pin?apikey=&session_token={session}", Json, """{"pin":"7890"}""", 403, 908 },
        { "POST", "/identity/v2/auth/login/pin?apikey={key}&session_token=", Json, """{"pin":"7890"}""", 403, 908 },
        { "GET", PinLogin, Json, "", 405, 405 },
        { "DELETE", PinLogin, Json, "", 405, 405 },
        { "POST", "/identity/v2/auth/login/pinn?apikey={key}", Json, "{}", 404, 404 },
        { "GET", "/", Json, "", 404, 404 },
        { "POST", Login, Json, """{"email":""", 400, 965 },
        { "POST", Login, Json, "{\"email\":\"" + new string('a', 300) + "@example.com\",\"password\":\"x1234567\"}", 403, 1134 },
        { "POST", Login, Json, """{"email":{"a":1},"password":"x1234567"}""", 403, 1134 },
        { "POST", Login, Json, """{"email":"someone@example.com","password":["x"]}""", 403, 1134 },
        { "POST", "/identity/v2/manage/account?apikey={key}", Json, "{}", 403, 908 },
        { "POST", CreateAccount, Json, """{"Email":"a@example.com","Password":"x1234567"}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":["a@example.com"],"Password":"x1234567"}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a\u202e@example.com"}],"Password":"x1234567"}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":{"x":1}}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":"x1234567","PINInfo":"7890"}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":"x1234567","FirstName":42}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":"x1234567","EmailVerified":"maybe"}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[],"Password":"x1234567"}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":"x1234567","CustomFields":{"k":"\ud800"}}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":"x1234567","CustomFields":{"\udfff":"v"}}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":"x1234567","Positions":[{"Company":"\ud800x"}]}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":"\ud800bcdefg"}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[null],"Password":"x1234567"}""", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":"x1234567","FollowersCount":1e40}""", 403, 1134 },
        { "POST", Login, Json, """{"email":"a\u0001@example.com","password":"x1234567"}""", 401, 966 },
        { "POST", CreateAccount, Json, "{\"Email\":[{\"Type\":\"Primary\",\"Value\":\"" + new string('b', 250) + "@example.com\"}],\"Password\":\"x1234567\"}", 403, 1134 },
        { "POST", CreateAccount, Json, """{"Email":[{"Type":"Primary","Value":"a@example.com"}],"Password":"x1234567","PhoneId":"call me"}""", 403, 1134 },
        // Each security answer costs a hash, for unknown accounts too: at most 20 in one request.
        { "PUT", "/identity/v2/auth/pin/reset/securityanswer/email?apikey={key}", Json,
            "{\"Email\":\"nobody@example.com\",\"PIN\":\"2468\",\"SecurityAnswer\":{" + string.Join(',', Enumerable.Range(1, 21).Select(i => $"\"q{i}\":\"a\"")) + "}}", 403, 1134 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Malformed_requests_get_the_exact_loginradius_code(string method, string url, string contentType, string body, int status, int code)
    {
        var tenant = await fixture.NewTenantAsync();
        var session = url.Contains("{session}", StringComparison.Ordinal) ? (await fixture.Api.AccountWithSessionAsync(tenant)).SessionToken : "";
        var target = url.Replace("{key}", tenant.ApiKey, StringComparison.Ordinal)
            .Replace("{secret}", tenant.ApiSecret, StringComparison.Ordinal)
            .Replace("{session}", session, StringComparison.Ordinal);

        var response = await fixture.Api.SendAsync(new HttpMethod(method), target, body.Length == 0 ? null : body, contentType);

        var error = await Api.ExpectErrorAsync(response, status, code);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_utf8_is_a_bad_body()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, session) = await fixture.Api.AccountWithSessionAsync(tenant);
        var content = new ByteArrayContent([.. Encoding.ASCII.GetBytes("{\"pin\":\""), 0xff, 0xfe, 0x80, .. Encoding.ASCII.GetBytes("\"}")]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(Json);

        var response = await fixture.Api.Http.PostAsync($"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={session}", content);

        await Api.ExpectErrorAsync(response, 400, 965);
    }

    [Fact]
    public async Task Rejected_input_loses_nothing_the_pin_still_works()
    {
        var tenant = await fixture.NewTenantAsync();
        var (_, session) = await fixture.Api.AccountWithSessionAsync(tenant);
        var url = $"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={session}";
        foreach (var bad in new[] { "{\"pin\":", "[]", "{\"pin\":{}}", "{\"pin\":null}" })
        {
            Assert.NotEqual(System.Net.HttpStatusCode.OK, (await fixture.Api.SendAsync(HttpMethod.Post, url, bad)).StatusCode);
        }

        await Api.ExpectAsync(await fixture.Api.PinLoginAsync(tenant, session, "7890"), System.Net.HttpStatusCode.OK);
    }
}
