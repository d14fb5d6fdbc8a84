using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Outbound;
using PinOrleans.Samples;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Webhooks through the gateway to a loopback receiver: every event once and signed, suppression, a receiver that is
/// down for a while, dead letters and redelivery, and the guards on targets.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WebhookTests(ClusterFixture fixture)
{
    private const string Pin = "7890";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private Api Api => fixture.Api;

    /// <summary>A tenant whose webhooks are retried quickly (the fixture's operator settings trust loopback, where the receivers are).</summary>
    private Task<TestTenant> TenantAsync(int maxAttempts = 20, bool requirePin = false) => fixture.NewTenantAsync(new TenantSettings
    {
        Pin = new PinPolicy { IsRequired = requirePin },
        Lockout = new LockoutPolicy { MaxFailedAttempts = 2 },
        Webhooks = new WebhookPolicy { MaxAttempts = maxAttempts, RetryBaseSeconds = 0.2, MaxRetryDelaySeconds = 1, TimeoutSeconds = 2 },
    });

    private static string Manage(TestTenant tenant, string path = "") =>
        $"/v2/manage/webhooks{path}?apikey={tenant.ApiKey}&apisecret={Uri.EscapeDataString(tenant.ApiSecret)}";

    private async Task<string> SubscribeAsync(TestTenant tenant, string eventName, string url) => (await SubscribeWithKeyAsync(tenant, eventName, url)).Id;

    /// <summary>Subscribes; answers the id and the signing key the answer shows (once).</summary>
    private async Task<(string Id, string SigningKey)> SubscribeWithKeyAsync(TestTenant tenant, string eventName, string url)
    {
        var created = await Api.ExpectAsync(await Api.PostAsync(Manage(tenant), new { Event = eventName, TargetUrl = url, Name = eventName + " hook" }), HttpStatusCode.OK);
        Assert.Equal(eventName, created.GetProperty("Event").GetString());
        return (created.GetProperty("Id").GetString()!, created.GetProperty("SigningKey").GetString()!);
    }

    private static Dictionary<string, string> Secret(TestTenant tenant) => new() { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

    private static JsonElement Payload(WebhookReceiver.Delivery delivery) => JsonDocument.Parse(delivery.Body).RootElement.Clone();

    /// <summary>The delivery grain of one event (its HookId) for one subscription.</summary>
    private IWebhookDeliveryGrain Delivery(TestTenant tenant, string subscription, WebhookReceiver.Delivery delivery) =>
        fixture.Grains.GetGrain<IWebhookDeliveryGrain>($"{tenant.ApiKey}/{subscription}/{Payload(delivery).GetProperty("HookId").GetString()}");

    /// <summary>Waits until the delivery grains of <paramref name="deliveries"/> hold nothing in storage: they are done and send no more.</summary>
    private Task FinishedAsync(TestTenant tenant, IEnumerable<WebhookReceiver.Delivery> deliveries, Func<WebhookReceiver.Delivery, string> subscriptionOf) =>
        Task.WhenAll(deliveries.Select(d => Eventually.UntilAsync(
            async () => (await fixture.StoredStateAsync<WebhookDeliveryState>("webhook", Delivery(tenant, subscriptionOf(d), d))).Delivery is null, Patience)));

    [Fact]
    public async Task Each_event_arrives_once_signed_with_its_subscriptions_key_and_a_timestamp_and_carrying_the_profile()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await TenantAsync(requirePin: true);
        var keys = new Dictionary<string, string>();
        var subscriptions = new Dictionary<string, string>();
        foreach (var name in WebhookEvents.All)
        {
            (subscriptions[name], keys[name]) = await SubscribeWithKeyAsync(tenant, name, receiver.Url("/hooks/" + name));
            Assert.Matches("^[0-9a-f]{64}$", keys[name]);
        }

        Assert.Equal(keys.Count, keys.Values.Distinct().Count());

        // Create (no PIN), password login (PIN required: PINAuthToken), set the PIN, PIN login, change the PIN,
        // update the profile, reset the PIN by security answer, two wrong PINs (locked), unlock, delete.
        var email = $"{Guid.NewGuid():N}@example.com";
        var uid = (await Api.CreateAccountAsync(tenant, email, pin: null)).GetProperty("Uid").GetString()!;
        var login = await Api.LoginAsync(tenant, email);
        var set = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/pin/set/pinauthtoken?apikey={tenant.ApiKey}&pinauthtoken={login.GetProperty("PINAuthToken").GetString()}", new { PIN = Pin }), HttpStatusCode.OK);
        var session = set.GetProperty("session_token").GetString()!;
        var accessToken = (await Api.ExpectAsync(await Api.PinLoginAsync(tenant, session, Pin), HttpStatusCode.OK)).GetProperty("access_token").GetString()!;
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/change?apikey={tenant.ApiKey}&access_token={accessToken}", """{"OldPIN":"7890","NewPIN":"1357"}"""), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", """{"FirstName":"Ada","SecurityQuestionAnswer":{"q1":"Blue","q2":"Green"}}""", headers: Secret(tenant)), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/reset/securityanswer/email?apikey={tenant.ApiKey}",
            JsonSerializer.Serialize(new { Email = email, SecurityAnswer = new { q1 = "blue", q2 = "green" }, PIN = "2468" })), HttpStatusCode.OK);
        // The reset ended the PIN session: a password login starts a new one.
        session = (await Api.LoginAsync(tenant, email)).GetProperty("session_token").GetString()!;
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, "0000"), 401, 1236);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(tenant, session, "0000"), 401, 1236);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", """{"IsLoginLocked":false}""", headers: Secret(tenant)), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", headers: Secret(tenant)), HttpStatusCode.OK);

        var expected = new Dictionary<string, int>
        {
            [WebhookEvents.CreateTraditionalAccount] = 1, [WebhookEvents.Login] = 3, [WebhookEvents.SetPIN] = 1, [WebhookEvents.ChangePIN] = 1,
            [WebhookEvents.UpdateProfile] = 2, [WebhookEvents.ResetPIN] = 1, [WebhookEvents.BlockAccount] = 1, [WebhookEvents.UnlockAccount] = 1,
            [WebhookEvents.DeleteAccount] = 1,
        };
        foreach (var (name, count) in expected)
        {
            await receiver.WaitForAsync(d => d.Path == "/hooks/" + name, count, Patience);
        }

        // Nothing else comes: the account's outbox is gone with it (handed over in order, DeleteAccount last) and
        // every delivery that arrived is finished in storage, so none is sent again.
        await Eventually.UntilAsync(async () => (await fixture.StoredUserAsync(tenant, uid)).Outbox.Count == 0, Patience);
        await FinishedAsync(tenant, receiver.Deliveries, d => subscriptions[d.Path["/hooks/".Length..]]);
        var now = fixture.Clock.GetUtcNow();
        foreach (var (name, count) in expected)
        {
            var arrived = receiver.Deliveries.Where(d => d.Path == "/hooks/" + name).ToList();
            Assert.True(arrived.Count == count, $"{name}: {arrived.Count} deliveries, expected {count}");
            foreach (var delivery in arrived)
            {
                var (timestamp, signature) = (delivery.Headers["x-pinorleans-timestamp"], delivery.Headers["x-pinorleans-signature"]);
                Assert.True(WebhookSignature.IsValid(delivery.Body, timestamp, signature, keys[name], now), $"{name}: bad signature");
                Assert.Equal(WebhookSignature.Compute(keys[name], timestamp, delivery.Body), signature);
                Assert.False(WebhookSignature.IsValid(delivery.Body, timestamp, signature, keys[name == "Login" ? "SetPIN" : "Login"], now));
                Assert.False(WebhookSignature.IsValid(delivery.Body, (long.Parse(timestamp, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), signature, keys[name], now));
                Assert.False(WebhookSignature.IsValid(delivery.Body, timestamp, signature, keys[name], now.AddMinutes(6)), $"{name}: a replay after the window passed");
                Assert.False(delivery.Headers.ContainsKey("signature"), "the API-secret signature is opt-in");
                var payload = Payload(delivery);
                Assert.Equal(name, payload.GetProperty("HookName").GetString());
                Assert.True(Guid.TryParse(payload.GetProperty("HookId").GetString(), out _));
                Assert.True(DateTimeOffset.TryParse(payload.GetProperty("Time").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
                Assert.Equal(uid, payload.GetProperty("Data").GetProperty("Uid").GetString());
                if (payload.GetProperty("Data").GetProperty("PIN") is { ValueKind: JsonValueKind.Object } pinInfo)
                {
                    Assert.Equal(JsonValueKind.Null, pinInfo.GetProperty("PIN").ValueKind);
                }

                Assert.DoesNotContain("argon2id", delivery.Body, StringComparison.Ordinal);
                Assert.DoesNotContain(tenant.ApiSecret, delivery.Body, StringComparison.Ordinal);
                Assert.StartsWith("application/json", delivery.Headers["content-type"], StringComparison.Ordinal);
            }
        }

        Assert.Equal(receiver.Deliveries.Count, receiver.Deliveries.Select(d => Payload(d).GetProperty("HookId").GetString()).Distinct().Count());

        // The JavaScript sample of docs/webhooks.md agrees, on the bytes as delivered: right key, wrong key, altered body, replay after the window.
        var sample = receiver.Deliveries.First();
        var (sampleKey, sampleTime, sampleSignature) = (keys[Payload(sample).GetProperty("HookName").GetString()!], sample.Headers["x-pinorleans-timestamp"], sample.Headers["x-pinorleans-signature"]);
        Assert.Equal(("valid", 0), await VerifyWithNodeAsync(sample.Body, sampleKey, sampleTime, sampleSignature, now: now.ToUnixTimeSeconds()));
        Assert.Equal(("invalid", 1), await VerifyWithNodeAsync(sample.Body, tenant.ApiSecret, sampleTime, sampleSignature, now: now.ToUnixTimeSeconds()));
        Assert.Equal(("invalid", 1), await VerifyWithNodeAsync(sample.Body + " ", sampleKey, sampleTime, sampleSignature, now: now.ToUnixTimeSeconds()));
        Assert.Equal(("invalid", 1), await VerifyWithNodeAsync(sample.Body, sampleKey, sampleTime, sampleSignature, now: long.Parse(sampleTime, System.Globalization.CultureInfo.InvariantCulture) + 301));
        Assert.True(Payload(receiver.Deliveries.Single(d => d.Path == "/hooks/BlockAccount")).GetProperty("Data").GetProperty("IsLoginLocked").GetBoolean());
        Assert.Equal("Ada", Payload(receiver.Deliveries.Last(d => d.Path == "/hooks/UpdateProfile")).GetProperty("Data").GetProperty("FirstName").GetString());
    }

    private static async Task<(string Output, int ExitCode)> VerifyWithNodeAsync(string body, string signingKey, string timestamp, string signature, long? now = null)
    {
        var start = new System.Diagnostics.ProcessStartInfo("node")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Samples", "verify-signature.js"));
        start.ArgumentList.Add(signingKey);
        start.ArgumentList.Add(timestamp);
        start.ArgumentList.Add(signature);
        if (now is { } seconds)
        {
            start.ArgumentList.Add(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var node = System.Diagnostics.Process.Start(start)!;
        await node.StandardInput.BaseStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(body));
        node.StandardInput.Close();
        var output = await node.StandardOutput.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return (output.Trim(), node.ExitCode);
    }

    [Fact]
    public async Task Requests_that_ask_for_no_webhooks_send_none()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await TenantAsync();
        foreach (var name in new[] { WebhookEvents.Login, WebhookEvents.ChangePIN, WebhookEvents.UpdateProfile, WebhookEvents.CreateTraditionalAccount })
        {
            await SubscribeAsync(tenant, name, receiver.Url("/hooks/" + name));
        }

        var email = $"{Guid.NewGuid():N}@example.com";
        var created = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/manage/account?apikey={tenant.ApiKey}&prevent_webhook=true",
            JsonSerializer.Serialize(new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password, PINInfo = new { PIN = Pin } }), headers: Secret(tenant)), HttpStatusCode.OK);
        var uid = created.GetProperty("Uid").GetString()!;
        var quiet = new Dictionary<string, string> { ["X-PreventWebhook"] = "true" };
        var login = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/login?apikey={tenant.ApiKey}",
            JsonSerializer.Serialize(new { email, password = Api.Password }), headers: quiet), HttpStatusCode.OK);
        var token = login.GetProperty("access_token").GetString()!;
        // ChangePIN is a security event: suppressed only with the tenant's API secret (issue 12, item 4).
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/change?apikey={tenant.ApiKey}&access_token={token}&prevent_webhook=true",
            """{"OldPIN":"7890","NewPIN":"1357"}""", headers: Secret(tenant)), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", """{"FirstName":"Quiet"}""",
            headers: new Dictionary<string, string>(Secret(tenant)) { ["X-PreventWebhook"] = "true" }), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, login.GetProperty("session_token").GetString()!, "1357"), HttpStatusCode.OK);
        // A last change that does not ask either: the account hands its events over in order, so once this one has
        // arrived, any event of the requests before it would have been handed over too.
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", """{"FirstName":"Loud"}""", headers: Secret(tenant)), HttpStatusCode.OK);

        var loud = Assert.Single(await receiver.WaitForAsync(d => d.Path == "/hooks/UpdateProfile", 1, Patience));
        Assert.Equal("Loud", Payload(loud).GetProperty("Data").GetProperty("FirstName").GetString());
        Assert.Single(await receiver.WaitForAsync(d => d.Path == "/hooks/Login", 1, Patience));
        Assert.Equal(2, receiver.Attempts.Count);
    }

    [Fact]
    public async Task An_anonymous_prevent_webhook_cannot_silence_locks_unlocks_or_credential_changes()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await TenantAsync();
        foreach (var name in new[] { WebhookEvents.Login, WebhookEvents.ChangePIN, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount, WebhookEvents.ResetPIN })
        {
            await SubscribeAsync(tenant, name, receiver.Url("/hooks/" + name));
        }

        var quiet = new Dictionary<string, string> { ["X-PreventWebhook"] = "true" };
        var (email, uid, login) = await Api.NewLoggedInAccountAsync(tenant); // its Login arrives: the one event not asked away
        var token = login.GetProperty("access_token").GetString()!;

        // Anonymous: the call's own Login is suppressed, the PIN change (even with a wrong secret), the lock and the
        // security-answer reset are not.
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/login?apikey={tenant.ApiKey}&prevent_webhook=true",
            JsonSerializer.Serialize(new { email, password = Api.Password })), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/change?apikey={tenant.ApiKey}&access_token={token}&prevent_webhook=true&apisecret=not-the-secret",
            """{"OldPIN":"7890","NewPIN":"1357"}"""), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", """{"SecurityQuestionAnswer":{"q1":"Blue","q2":"Red"}}""", headers: Secret(tenant)), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/reset/securityanswer/email?apikey={tenant.ApiKey}",
            JsonSerializer.Serialize(new { Email = email, SecurityAnswer = new { q1 = "blue", q2 = "red" }, PIN = "2468" }), headers: quiet), HttpStatusCode.OK);
        var fresh = (await Api.LoginAsync(tenant, email)).GetProperty("session_token").GetString()!;
        // Another tenant's key and verified secret in the headers do not silence this tenant's lock.
        var other = await TenantAsync();
        var othersSecret = new Dictionary<string, string>(quiet) { ["X-LoginRadius-ApiKey"] = other.ApiKey, ["X-LoginRadius-ApiSecret"] = other.ApiSecret };
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={fresh}", """{"pin":"0000"}""", headers: quiet), 401, 1236);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/login/pin?apikey={tenant.ApiKey}&session_token={fresh}", """{"pin":"0000"}""", headers: othersSecret), 401, 1236);

        // With the verified secret the unlock is the administrator's to keep quiet.
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", """{"IsLoginLocked":false}""",
            headers: new Dictionary<string, string>(Secret(tenant)) { ["X-PreventWebhook"] = "true" }), HttpStatusCode.OK);

        // A last login that does not ask: once it has arrived, every event of the account's requests before it has
        // been handed over (in order), so what has not arrived by then was never raised.
        await Api.LoginAsync(tenant, email);

        foreach (var name in new[] { WebhookEvents.ChangePIN, WebhookEvents.ResetPIN, WebhookEvents.BlockAccount })
        {
            await receiver.WaitForAsync(d => d.Path == "/hooks/" + name, 1, Patience);
        }

        // The account's first login, the reset's fresh login and the last one.
        Assert.Equal(3, (await receiver.WaitForAsync(d => d.Path == "/hooks/Login", 3, Patience)).Count);
        Assert.DoesNotContain(receiver.Attempts, d => d.Path == "/hooks/UnlockAccount");
        Assert.Equal(6, receiver.Attempts.Count);
    }

    [Fact]
    public async Task A_receiver_that_is_down_for_a_while_gets_every_event_afterwards()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await TenantAsync();
        var subscription = await SubscribeAsync(tenant, WebhookEvents.Login, receiver.Url("/hooks/login"));
        receiver.FailWith = 503;
        var emails = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (email, _, _) = await Api.NewLoggedInAccountAsync(tenant);
            emails.Add(email);
        }

        // Logins answered at once though the receiver fails; the deliveries retry behind them, pending in storage.
        await Eventually.UntilAsync(() => receiver.Attempts.Count >= 6, Patience, () => $"{receiver.Attempts.Count} attempts while the receiver was down");
        Assert.Empty(receiver.Deliveries);
        var tried = receiver.Attempts.First();
        await Eventually.UntilAsync(() => fixture.StoredStateAsync<WebhookDeliveryState>("webhook", Delivery(tenant, subscription, tried)),
            pending => pending.Delivery is not null && pending.Attempts >= 1, Patience);
        receiver.FailWith = null;

        var delivered = await receiver.WaitForAsync(_ => true, 3, Patience);
        // Each is finished in storage once delivered: none is sent again.
        await FinishedAsync(tenant, delivered, _ => subscription);
        Assert.Equal(3, receiver.Deliveries.Count);
        Assert.Equal(3, delivered.Select(d => Payload(d).GetProperty("HookId").GetString()).Distinct().Count());
        Assert.Equal(emails.Order(), receiver.Deliveries.Select(d => Payload(d).GetProperty("Data").GetProperty("Email")[0].GetProperty("Value").GetString()!).Order());
    }

    [Fact]
    public async Task A_slow_receiver_is_cut_off_after_the_attempt_timeout_retried_and_never_slows_a_login()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromSeconds(60);
        var tenant = await fixture.NewTenantAsync(new TenantSettings
        {
            Webhooks = new WebhookPolicy { MaxAttempts = 20, RetryBaseSeconds = 0.2, MaxRetryDelaySeconds = 0.5, TimeoutSeconds = 1 },
        });
        await SubscribeAsync(tenant, WebhookEvents.Login, receiver.Url("/hooks/login"));
        var (_, session) = await Api.AccountWithSessionAsync(tenant); // its password login is the first event
        await Eventually.UntilAsync(() => receiver.Attempts.Count > 0, Patience);

        // The receiver holds the first event's request for a minute; a PIN login meanwhile is answered regardless.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Api.ExpectAsync(await Api.PinLoginAsync(tenant, session, Pin), HttpStatusCode.OK);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"a PIN login took {clock.Elapsed.TotalSeconds:F1} s beside a slow receiver");

        // Each attempt is abandoned after TimeoutSeconds (1 s) and tried again: three attempts of the first event in seconds, none delivered.
        var first = Payload(receiver.Attempts.First()).GetProperty("HookId").GetString();
        await Eventually.UntilAsync(() => receiver.Attempts.Count(a => Payload(a).GetProperty("HookId").GetString() == first) >= 3, Patience,
            () => $"{receiver.Attempts.Count} attempts in all");
        Assert.Empty(receiver.Deliveries);

        receiver.Delay = TimeSpan.Zero;
        var delivered = await receiver.WaitForAsync(_ => true, 2, Patience);
        Assert.Equal(2, delivered.Select(d => Payload(d).GetProperty("HookId").GetString()).Distinct().Count());
        Assert.Contains(delivered, d => Payload(d).GetProperty("HookId").GetString() == first);
    }

    [Fact]
    public async Task A_subscriptions_headers_query_parameters_and_authentication_reach_the_receiver()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await TenantAsync();
        await Api.ExpectAsync(await Api.PostAsync(Manage(tenant), new
        {
            Event = WebhookEvents.Login, TargetUrl = receiver.Url("/hooks/crm?tenant=acme"), Name = "CRM",
            Headers = new Dictionary<string, string> { ["X-Env"] = "prod" }, QueryParams = new { source = "pin orleans" },
            Authentication = new { AuthType = "Basic", BasicAuth = new { Username = "crm", Password = "hook-password" } },
            SignWithApiSecret = true,
        }), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.PostAsync(Manage(tenant), new
        {
            Event = WebhookEvents.Login, TargetUrl = receiver.Url("/hooks/bearer"), Name = "Bearer",
            Authentication = new { AuthType = "BearerToken", BearerToken = new { Token = "hook-bearer-token" } },
        }), HttpStatusCode.OK);

        await Api.NewLoggedInAccountAsync(tenant);

        var crm = Assert.Single(await receiver.WaitForAsync(d => d.Path == "/hooks/crm", 1, Patience));
        Assert.Equal("prod", crm.Headers["x-env"]);
        Assert.Equal("?tenant=acme&source=pin%20orleans", crm.Query);
        Assert.Equal("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("crm:hook-password")), crm.Headers["authorization"]);
        // LoginRadius' API-secret signature, for the subscription that opted in; the other has only its own.
        Assert.True(WebhookSignature.IsValidApiSecretSignature(crm.Body, crm.Headers["signature"], tenant.ApiSecret));
        Assert.Equal(WebhookSignature.ComputeApiSecretSignature(crm.Body, tenant.ApiSecret), crm.Headers["signature"]);
        var bearer = Assert.Single(await receiver.WaitForAsync(d => d.Path == "/hooks/bearer", 1, Patience));
        Assert.Equal("Bearer hook-bearer-token", bearer.Headers["authorization"]);
        Assert.False(bearer.Headers.ContainsKey("signature"));
        Assert.True(bearer.Headers.ContainsKey("x-pinorleans-signature"));
        Assert.False(bearer.Headers.ContainsKey("x-env"));
        Assert.Equal(Payload(crm).GetProperty("HookId").GetString(), Payload(bearer).GetProperty("HookId").GetString());
    }

    [Fact]
    public async Task Deliveries_that_use_up_their_attempts_are_dead_letters_that_can_be_redelivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await TenantAsync(maxAttempts: 2);
        var hook = await SubscribeAsync(tenant, WebhookEvents.Login, receiver.Url("/hooks/login"));
        receiver.FailWith = 500;
        await Api.NewLoggedInAccountAsync(tenant);

        var letters = await Eventually.UntilAsync(async () => await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, Manage(tenant, $"/{hook}/deliveries")), HttpStatusCode.OK),
            list => list.GetProperty("Count").GetInt32() > 0, Patience);

        var letter = Assert.Single(letters.GetProperty("Data").EnumerateArray());
        Assert.Equal(2, letter.GetProperty("Attempts").GetInt32());
        Assert.Equal("HTTP 500", letter.GetProperty("LastError").GetString());
        Assert.Equal("Login", letter.GetProperty("Payload").GetProperty("HookName").GetString());
        Assert.Equal(2, receiver.Attempts.Count);

        receiver.FailWith = null;
        var hookId = letter.GetProperty("HookId").GetString()!;
        await Api.ExpectErrorAsync(await Api.PostAsync(Manage(tenant, $"/{hook}/deliveries/{Guid.NewGuid()}/redeliver"), new { }), 403, 1134);
        await Api.ExpectAsync(await Api.PostAsync(Manage(tenant, $"/{hook}/deliveries/{hookId}/redeliver"), new { }), HttpStatusCode.OK);
        var redelivered = Assert.Single(await receiver.WaitForAsync(_ => true, 1, Patience));
        Assert.Equal(hookId, Payload(redelivered).GetProperty("HookId").GetString());
        Assert.Equal(0, (await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, Manage(tenant, $"/{hook}/deliveries")), HttpStatusCode.OK)).GetProperty("Count").GetInt32());
    }

    [Fact]
    public async Task Subscriptions_are_managed_with_loginradius_codes_and_internal_targets_are_refused_unless_allowed()
    {
        var strict = await fixture.NewTenantAsync();
        // The fixture's operator settings trust 127.0.0.1/32 (its receivers) and nothing else.
        foreach (var target in new[] { "http://hooks.example.com/in", "https://127.0.0.2/in", "https://localhost:8443/in", "https://10.1.2.3/in", "https://[::1]/in",
            "https://169.254.169.254/latest", "https://192.168.0.10/in", "https://intranet/in", "ftp://hooks.example.com/in", "not a url", "https://user:pw@hooks.example.com/in",
            "https://[::ffff:10.0.0.1]/in", "https://[64:ff9b::a9fe:a9fe]/in", "https://100.64.0.1/in", "https://[fd00::1]/in", "https://[2002:c0a8:0001::1]/in", "https://0.0.0.0/in" })
        {
            await Api.ExpectErrorAsync(await Api.PostAsync(Manage(strict), new { Event = "Login", TargetUrl = target }), 403, 1087);
        }

        // Nor through the tenant's settings route: targets, and the switches that were tenant settings once.
        var settings = $"/pinorleans/v1/tenant/settings?apikey={strict.ApiKey}";
        foreach (var patch in new[]
        {
            """{"Webhooks":{"Subscriptions":[{"Event":"Login","TargetUrl":"https://10.1.2.3/in"}]}}""",
            """{"Webhooks":{"Subscriptions":[{"Event":"Login","TargetUrl":"http://hooks.example.com/in"}]}}""",
            """{"Webhooks":{"AllowPrivateNetworks":true}}""", """{"Webhooks":{"AllowHttp":true}}""",
            """{"BotProtection":{"VerifyUrl":"http://169.254.169.254/latest/meta-data"}}""",
        })
        {
            await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Put, settings, patch, headers: Secret(strict)), 403, 1134);
        }

        Assert.Empty((await fixture.SnapshotAsync(strict)).Settings.Webhooks.Subscriptions);

        await Api.ExpectErrorAsync(await Api.PostAsync(Manage(strict), new { Event = "NoSuchEvent", TargetUrl = "https://hooks.example.com/in" }), 403, 1086);
        await Api.ExpectErrorAsync(await Api.PostAsync(Manage(strict), new { Event = "Login", TargetUrl = "https://hooks.example.com/in", Headers = new { signature = "forged" } }), 403, 1134);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/v2/manage/webhooks?apikey={strict.ApiKey}&apisecret=wrong", new { Event = "Login", TargetUrl = "https://hooks.example.com/in" }), 401, 902);

        var created = await Api.ExpectAsync(await Api.PostAsync(Manage(strict), new
        {
            Event = "login", TargetUrl = "https://hooks.example.com/in", Name = "CRM",
            Headers = new { X_Env = "prod" }, QueryParams = new { source = "pinorleans" },
            Authentication = new { AuthType = "Basic", BasicAuth = new { Username = "crm", Password = "hook-password" } },
        }), HttpStatusCode.OK);
        var id = created.GetProperty("Id").GetString()!;
        Assert.Equal("Login", created.GetProperty("Event").GetString());
        Assert.Equal(TenantSettingsJson.Masked, created.GetProperty("Authentication").GetProperty("BasicAuth").GetProperty("Password").GetString());
        Assert.DoesNotContain("hook-password", created.ToString(), StringComparison.Ordinal);
        var signingKey = created.GetProperty("SigningKey").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", signingKey);
        Assert.False(created.GetProperty("SignWithApiSecret").GetBoolean());
        await Api.ExpectErrorAsync(await Api.PostAsync(Manage(strict), new { Event = "Login", TargetUrl = "https://hooks.example.com/in" }), 403, 1110);
        for (var i = 1; i < WebhookPolicy.MaxPerEvent; i++)
        {
            await SubscribeAsync(strict, "Login", $"https://hooks{i}.example.com/in");
        }

        await Api.ExpectErrorAsync(await Api.PostAsync(Manage(strict), new { Event = "Login", TargetUrl = "https://hooks9.example.com/in" }), 403, 1085);
        var list = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, Manage(strict)), HttpStatusCode.OK);
        Assert.Equal(WebhookPolicy.MaxPerEvent, list.GetProperty("Count").GetInt32());
        var events = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, Manage(strict, "/events")), HttpStatusCode.OK);
        Assert.Equal(WebhookEvents.All, events.GetProperty("Data").EnumerateArray().Select(e => e.GetString()!).ToList());

        // Update keeps the masked password; the stored one is the original.
        var updated = await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, Manage(strict, "/" + id),
            JsonSerializer.Serialize(new { Event = "Login", TargetUrl = "https://crm.example.com/in", Name = "CRM 2", Authentication = new { AuthType = "Basic", BasicAuth = new { Username = "crm", Password = TenantSettingsJson.Masked } } })), HttpStatusCode.OK);
        Assert.Equal("https://crm.example.com/in", updated.GetProperty("TargetUrl").GetString());
        var stored = (await fixture.Grains.GetGrain<ITenantGrain>(strict.ApiKey).GetWebhookTargetAsync(id))!.Subscription;
        Assert.Equal("hook-password", stored.Authentication!.BasicAuth!.Password);
        Assert.Equal(signingKey, stored.SigningKey); // kept by the update, shown only when it was made
        Assert.Equal(TenantSettingsJson.Masked, updated.GetProperty("SigningKey").GetString());
        var everyAnswer = string.Join("\n", await (await Api.SendAsync(HttpMethod.Get, Manage(strict, "/" + id))).Content.ReadAsStringAsync(),
            await (await Api.SendAsync(HttpMethod.Get, Manage(strict))).Content.ReadAsStringAsync(),
            await (await Api.SendAsync(HttpMethod.Get, $"/pinorleans/v1/tenant/settings?apikey={strict.ApiKey}", headers: Secret(strict))).Content.ReadAsStringAsync());
        Assert.DoesNotContain(signingKey, everyAnswer, StringComparison.Ordinal);
        Assert.DoesNotContain("hook-password", everyAnswer, StringComparison.Ordinal);
        Assert.Contains(TenantSettingsJson.Masked, everyAnswer, StringComparison.Ordinal);
        Assert.Equal("https://crm.example.com/in", (await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, Manage(strict, "/" + id)), HttpStatusCode.OK)).GetProperty("TargetUrl").GetString());
        Assert.True((await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, Manage(strict, "/" + id)), HttpStatusCode.OK)).GetProperty("IsDeleted").GetBoolean());
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Delete, Manage(strict, "/" + id)), 403, 1112);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, Manage(strict, "/" + id)), 403, 1112);
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains("hook-password", StringComparison.Ordinal));

        // Plain HTTP to the operator's trusted network (the fixture's loopback receivers) is the operator's choice.
        await SubscribeAsync(strict, "Login", "http://127.0.0.1:9/in");
    }

    /// <summary>A sender as a silo builds it, under the given operator settings and name resolution.</summary>
    private static (ServiceProvider Services, WebhookSender Sender) Sender(OutboundOptions outbound, OutboundGuard.Resolver? resolve = null)
    {
        var services = new ServiceCollection().AddSingleton(new OutboundGuard(outbound, resolve));
        WebhookSender.Register(services);
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<WebhookSender>());
    }

    [Fact]
    public async Task The_sender_follows_no_redirect_and_reaches_no_internal_address_behind_a_name()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var port = new Uri(receiver.BaseUrl).Port;
        var policy = new WebhookPolicy { TimeoutSeconds = 2 };

        // A public-looking name that resolves to loopback: refused at connect time, nothing reaches the receiver.
        var (strictServices, strict) = Sender(new OutboundOptions { AllowHttp = true }, (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));
        await using (strictServices)
        {
            var byName = await strict.SendAsync(new WebhookSubscription { TargetUrl = $"http://hooks.example.com:{port}/in", SigningKey = WebhookSubscription.NewSigningKey() }, policy, "{}", null, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.False(byName.Delivered);
            Assert.Contains("no public address", byName.Error, StringComparison.Ordinal);
            var literal = await strict.SendAsync(new WebhookSubscription { TargetUrl = $"http://127.0.0.1:{port}/in", SigningKey = WebhookSubscription.NewSigningKey() }, policy, "{}", null, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.False(literal.Delivered);
            Assert.Empty(receiver.Attempts);
        }

        var (trustedServices, trusted) = Sender(new OutboundOptions { TrustedNetworks = ["127.0.0.1/32"] });
        await using (trustedServices)
        {
            receiver.RedirectTo = receiver.Url("/elsewhere");
            var redirected = await trusted.SendAsync(new WebhookSubscription { TargetUrl = receiver.Url("/in"), SigningKey = WebhookSubscription.NewSigningKey() }, policy, "{}", null, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.Equal((false, 302), (redirected.Delivered, redirected.Status));
            Assert.Single(receiver.Attempts);
            Assert.Empty(receiver.Deliveries);

            // A subscription made before signing keys existed is signed with the API secret only, as it was.
            receiver.RedirectTo = null;
            var legacy = await trusted.SendAsync(new WebhookSubscription { TargetUrl = receiver.Url("/legacy") }, policy, "{}", "LEGACY-SIG", DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.True(legacy.Delivered);
            var delivered = Assert.Single(receiver.Deliveries);
            Assert.Equal("LEGACY-SIG", delivered.Headers["signature"]);
            Assert.False(delivered.Headers.ContainsKey("x-pinorleans-signature"));
        }
    }
}
