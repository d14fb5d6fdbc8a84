using System.Net;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Bot protection on PIN login, verified by the gateway with each provider's real protocol against loopback fakes:
/// accepted, rejected (wrong, reused, expired), missing, scored too low or for another action, provider down.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed class BotProtectionTests(ClusterFixture fixture)
{
    private const string OriginIp = "203.0.113.50";
    private Api Api => fixture.Api;
    private FakeCaptchaProviders Captcha => fixture.Captcha;

    private BotProtectionPolicy Policy(BotProtectionProvider provider) => provider switch
    {
        BotProtectionProvider.Tencent => new BotProtectionPolicy
        {
            Provider = provider, TencentAppId = FakeCaptchaProviders.TencentAppId, TencentAppSecretKey = FakeCaptchaProviders.TencentAppSecretKey,
            RequireOnPinLogin = true,
        },
        _ => new BotProtectionPolicy
        {
            Provider = provider, Secret = FakeCaptchaProviders.Secret, SiteKey = FakeCaptchaProviders.SiteKey,
            RequireOnPinLogin = true,
        },
    };

    private async Task<(TestTenant Tenant, string Session)> PinLoginScenarioAsync(BotProtectionPolicy policy)
    {
        var tenant = await fixture.NewTenantAsync(new TenantSettings { BotProtection = policy });
        var (_, session) = await Api.AccountWithSessionAsync(tenant);
        return (tenant, session);
    }

    /// <summary>
    /// PIN login with captcha fields in the query (<paramref name="query"/>) or the body (<paramref name="body"/>), sent as a
    /// customer's backend does: with the API secret, so the end user's <c>X-Origin-IP</c> is believed and passed on.
    /// </summary>
    private Task<HttpResponseMessage> PinLoginAsync(TestTenant tenant, string session, string query = "", Dictionary<string, object>? body = null, string pin = "7890")
    {
        var fields = new Dictionary<string, object>(body ?? []) { ["pin"] = pin };
        return Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={session}{query}",
            System.Text.Json.JsonSerializer.Serialize(fields), headers: new Dictionary<string, string> { ["X-Origin-IP"] = OriginIp, ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret });
    }

    [Fact]
    public async Task ReCaptcha_v2_answers_are_required_verified_once_and_read_from_any_documented_name_in_query_or_body()
    {
        // The session comes from a password login without a captcha: RequireOnPinLogin is about PIN logins.
        var (tenant, session) = await PinLoginScenarioAsync(Policy(BotProtectionProvider.ReCaptchaV2));

        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session), 403, 1132);

        var token = Captcha.IssueToken();
        await Api.ExpectAsync(await PinLoginAsync(tenant, session, "&g-recaptcha-response=" + token), HttpStatusCode.OK);
        var seen = Captcha.Received.Last();
        Assert.Equal(("recaptcha", FakeCaptchaProviders.Secret, token, OriginIp), (seen.Provider, seen.Secret, seen.Response, seen.RemoteIp));

        // Tokens are single-use; a replay, an unknown token and an expired one are all 1218.
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, "&g-recaptcha-response=" + token), 403, 1218);
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, "&g-recaptcha-response=made-up"), 403, 1218);
        var expired = Captcha.IssueToken();
        Captcha.Expire(expired);
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, body: new() { ["g-recaptcha-response"] = expired }), 403, 1218);

        await Api.ExpectAsync(await PinLoginAsync(tenant, session, body: new() { ["g_recaptcha_response"] = Captcha.IssueToken() }), HttpStatusCode.OK);
        await Api.ExpectAsync(await PinLoginAsync(tenant, session, "&g_recaptcha_response=" + Captcha.IssueToken()), HttpStatusCode.OK);

    }

    [Fact]
    public async Task ReCaptcha_v3_rejects_low_scores_and_other_actions()
    {
        var (tenant, session) = await PinLoginScenarioAsync(Policy(BotProtectionProvider.ReCaptchaV3) with { MinScore = 0.5, Action = "pin_login" });

        await Api.ExpectAsync(await PinLoginAsync(tenant, session, "&g-recaptcha-response=" + Captcha.IssueToken(0.9, "pin_login")), HttpStatusCode.OK);
        await Api.ExpectAsync(await PinLoginAsync(tenant, session, "&g-recaptcha-response=" + Captcha.IssueToken(0.5, "pin_login")), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, "&g-recaptcha-response=" + Captcha.IssueToken(0.3, "pin_login")), 403, 1218);
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, "&g-recaptcha-response=" + Captcha.IssueToken(0.9, "signup")), 403, 1218);
        // A v2 answer has no score: not good enough for a v3 tenant.
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, "&g-recaptcha-response=" + Captcha.IssueToken()), 403, 1218);
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session), 403, 1132);
    }

    [Fact]
    public async Task HCaptcha_answers_are_checked_with_the_site_key_and_risky_ones_rejected()
    {
        var (tenant, session) = await PinLoginScenarioAsync(Policy(BotProtectionProvider.HCaptcha) with { MaxRiskScore = 0.7 });

        var token = Captcha.IssueToken();
        await Api.ExpectAsync(await PinLoginAsync(tenant, session, body: new() { ["h-captcha-response"] = token }), HttpStatusCode.OK);
        var seen = Captcha.Received.Last();
        Assert.Equal(("hcaptcha", FakeCaptchaProviders.SiteKey, OriginIp), (seen.Provider, seen.SiteKey, seen.RemoteIp));

        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, body: new() { ["h-captcha-response"] = token }), 403, 1218);
        await Api.ExpectAsync(await PinLoginAsync(tenant, session, "&h-captcha-response=" + Captcha.IssueToken(0.2)), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, "&h-captcha-response=" + Captcha.IssueToken(0.9)), 403, 1218);
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session), 403, 1132);
    }

    [Fact]
    public async Task Tencent_tickets_need_their_randstr_and_a_low_evil_level()
    {
        var (tenant, session) = await PinLoginScenarioAsync(Policy(BotProtectionProvider.Tencent) with { TencentMaxEvilLevel = 70 });

        var (ticket, randstr) = Captcha.IssueTencentTicket();
        await Api.ExpectAsync(await PinLoginAsync(tenant, session, $"&qq_captcha_ticket={ticket}&qq_captcha_randstr={Uri.EscapeDataString(randstr)}"), HttpStatusCode.OK);
        var seen = Captcha.Received.Last();
        Assert.Equal(("tencent", FakeCaptchaProviders.TencentAppId, FakeCaptchaProviders.TencentAppSecretKey, randstr, OriginIp), (seen.Provider, seen.SiteKey, seen.Secret, seen.Randstr, seen.RemoteIp));

        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, $"&qq_captcha_ticket={ticket}&qq_captcha_randstr={Uri.EscapeDataString(randstr)}"), 403, 1218);
        var (other, _) = Captcha.IssueTencentTicket();
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, body: new() { ["qq_captcha_ticket"] = other, ["qq_captcha_randstr"] = "@zzz" }), 403, 1218);
        var (evil, evilRandstr) = Captcha.IssueTencentTicket(evilLevel: 90);
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session, body: new() { ["qq_captcha_ticket"] = evil, ["qq_captcha_randstr"] = evilRandstr }), 403, 1218);
        var (fine, fineRandstr) = Captcha.IssueTencentTicket(evilLevel: 10);
        await Api.ExpectAsync(await PinLoginAsync(tenant, session, body: new() { ["qq_captcha_ticket"] = fine, ["qq_captcha_randstr"] = fineRandstr }), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session), 403, 1132);
    }

    [Theory]
    [InlineData(BotProtectionProvider.ReCaptchaV2)]
    [InlineData(BotProtectionProvider.ReCaptchaV3)]
    [InlineData(BotProtectionProvider.HCaptcha)]
    [InlineData(BotProtectionProvider.Tencent)]
    public async Task A_provider_that_is_down_slow_or_refusing_our_keys_fails_closed_with_a_retryable_error(BotProtectionProvider provider)
    {
        var (tenant, session) = await PinLoginScenarioAsync(Policy(provider));
        string Answer()
        {
            if (provider == BotProtectionProvider.Tencent)
            {
                var (ticket, randstr) = Captcha.IssueTencentTicket();
                return $"&qq_captcha_ticket={ticket}&qq_captcha_randstr={Uri.EscapeDataString(randstr)}";
            }

            return (provider == BotProtectionProvider.HCaptcha ? "&h-captcha-response=" : "&g-recaptcha-response=")
                + Captcha.IssueToken(provider == BotProtectionProvider.ReCaptchaV3 ? 0.9 : null);
        }

        async Task ExpectUnavailableAsync()
        {
            var response = await PinLoginAsync(tenant, session, Answer());
            await Api.ExpectErrorAsync(response, 503, 503);
            Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        }

        try
        {
            Captcha.FailWith = 500;
            await ExpectUnavailableAsync();
            Captcha.FailWith = null;
            Captcha.Delay = TimeSpan.FromSeconds(5); // beyond the gateway's one-second limit
            await ExpectUnavailableAsync();
        }
        finally
        {
            Captcha.FailWith = null;
            Captcha.Delay = TimeSpan.Zero;
        }

        // Keys the provider does not know are the operator's fault, not the user's: unavailable, not "invalid".
        var (wrongKeys, wrongSession) = await PinLoginScenarioAsync(Policy(provider) with { Secret = "not-the-secret", TencentAppSecretKey = "not-the-key" });
        await Api.ExpectErrorAsync(await PinLoginAsync(wrongKeys, wrongSession, Answer()), 503, 503);
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains("not-the-secret", StringComparison.Ordinal) || line.Contains(FakeCaptchaProviders.Secret, StringComparison.Ordinal));

        await Api.ExpectAsync(await PinLoginAsync(tenant, session, Answer()), HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_verify_endpoint_is_reached_only_through_the_operators_outbound_guard()
    {
        // The same gateway without the operator's trust in loopback: the captcha fake there is never called.
        await using var gateway = new GatewayFactory(fixture, web => web.UseSetting("Outbound:TrustedNetworks:0", ""));
        var api = new Api(gateway.CreateClient());
        var (tenant, session) = await PinLoginScenarioAsync(Policy(BotProtectionProvider.ReCaptchaV2));
        var before = Captcha.Received.Count;
        await Api.ExpectErrorAsync(await api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={session}&g-recaptcha-response={Captcha.IssueToken()}",
            """{"pin":"7890"}"""), 503, 503);
        Assert.Equal(before, Captcha.Received.Count);
    }

    [Fact]
    public async Task Failing_open_lets_pin_logins_through_while_the_provider_is_down()
    {
        var (tenant, session) = await PinLoginScenarioAsync(Policy(BotProtectionProvider.ReCaptchaV2) with { FailOpen = true });
        try
        {
            Captcha.FailWith = 503;
            await Api.ExpectAsync(await PinLoginAsync(tenant, session, "&g-recaptcha-response=" + Captcha.IssueToken()), HttpStatusCode.OK);
            // Still no way around the captcha by leaving it out.
            await Api.ExpectErrorAsync(await PinLoginAsync(tenant, session), 403, 1132);
        }
        finally
        {
            Captcha.FailWith = null;
        }
    }
}
