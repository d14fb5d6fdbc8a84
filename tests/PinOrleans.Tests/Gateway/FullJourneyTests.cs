using System.Net;
using System.Text.Json;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>The whole PIN journey an application walks, every step through the gateway as an SDK sends it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FullJourneyTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Create_login_set_pin_pin_login_change_forgot_reset_pin_login_invalidate_refused()
    {
        var api = fixture.Api;
        var tenant = await fixture.NewTenantAsync(new TenantSettings
        {
            Pin = new PinPolicy { IsRequired = true },
            Recovery = new RecoveryPolicy { ResetPinUrl = "https://app.example.com/reset-pin" },
        });
        var email = $"{Guid.NewGuid():N}@example.com";

        // Create (management API, no PIN yet).
        var created = await api.CreateAccountAsync(tenant, email, pin: null);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("PIN").ValueKind);

        // Password login: the PIN is required, so only a PINAuthToken comes back.
        var login = await api.LoginAsync(tenant, email);
        Assert.False(login.TryGetProperty("access_token", out _));
        var pinAuthToken = login.GetProperty("PINAuthToken").GetString()!;

        // Set the PIN: tokens and a PIN session.
        var set = await Api.ExpectAsync(await api.SendAsync(HttpMethod.Post,
            $"/identity/v2/auth/pin/set/pinauthtoken?apikey={tenant.ApiKey}&pinauthtoken={pinAuthToken}", """{"PIN":"1357"}"""), HttpStatusCode.OK);
        var session = set.GetProperty("session_token").GetString()!;

        // PIN login.
        var pinLogin = await Api.ExpectAsync(await api.PinLoginAsync(tenant, session, "1357"), HttpStatusCode.OK);
        var accessToken = pinLogin.GetProperty("access_token").GetString()!;

        // Change the PIN with the access token (Bearer, as the .NET and Java SDKs send it).
        var change = await Api.ExpectAsync(await api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/change?apikey={tenant.ApiKey}",
            """{"oldPIN":"1357","newPIN":"2468"}""", headers: new Dictionary<string, string> { ["Authorization"] = "Bearer " + accessToken }), HttpStatusCode.OK);
        Assert.True(change.GetProperty("IsPosted").GetBoolean());

        // Forgot: the e-mail arrives over SMTP with a link to the tenant's reset page.
        var before = fixture.Mail.CountTo(email);
        await Api.ExpectAsync(await api.PostAsync($"/identity/v2/auth/pin/forgot/email?apikey={tenant.ApiKey}", new { Email = email }), HttpStatusCode.OK);
        var mail = await fixture.Mail.LatestToAsync(email, before);
        Assert.Contains("https://app.example.com/reset-pin?vtype=resetpin&vtoken=", mail.TextBody, StringComparison.Ordinal);

        // Reset with the link's token.
        await Api.ExpectAsync(await api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/pin/reset/token?apikey={tenant.ApiKey}",
            JsonSerializer.Serialize(new { ResetToken = MailCatcher.ResetTokenOf(mail), PIN = "9753" })), HttpStatusCode.OK);

        // The reset ended every PIN session; a password login starts a new one, where the new PIN works and the old does not.
        await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, session, "9753"), 403, 1245);
        session = (await api.LoginAsync(tenant, email)).GetProperty("session_token").GetString()!;
        await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, session, "2468"), 401, 1236);
        await Api.ExpectAsync(await api.PinLoginAsync(tenant, session, "9753"), HttpStatusCode.OK);

        // Invalidate the session: refused from then on.
        await Api.ExpectAsync(await api.Http.GetAsync($"/identity/v2/auth/session_token/invalidate?apikey={tenant.ApiKey}&session_token={session}"), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await api.PinLoginAsync(tenant, session, "9753"), 403, 1245);
    }
}
