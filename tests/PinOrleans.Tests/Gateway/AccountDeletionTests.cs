using System.Net;
using System.Text.Json;
using PinOrleans.Accounts;
using PinOrleans.Recovery;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// The account holder's deletion through the gateway (the Node SDK's deleteAccountWithEmailConfirmation and
/// deleteAccountByDeleteToken), with the delete token read from the e-mail that was really delivered.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AccountDeletionTests(ClusterFixture fixture)
{
    private const string DeletePage = "https://app.example.com/delete-account";
    private Api Api => fixture.Api;

    private sealed record Account(TestTenant Tenant, string Email, string Uid, JsonElement Login);

    private static TenantSettings Settings(RecoveryPolicy? recovery = null, LockoutPolicy? lockout = null) => new()
    {
        AllowedDomains = ["app.example.com"],
        Recovery = recovery ?? new RecoveryPolicy { DeleteAccountUrl = DeletePage },
        Lockout = lockout ?? new LockoutPolicy(),
        Webhooks = new WebhookPolicy { MaxAttempts = 20, RetryBaseSeconds = 0.2, MaxRetryDelaySeconds = 1, TimeoutSeconds = 2 },
    };

    private async Task<Account> AccountAsync(TenantSettings? settings = null)
    {
        var tenant = await fixture.NewTenantAsync(settings ?? Settings());
        var (email, uid, login) = await Api.NewLoggedInAccountAsync(tenant);
        return new Account(tenant, email, uid, login);
    }

    private static string Access(Account account) => account.Login.GetProperty("access_token").GetString()!;

    private Task<HttpResponseMessage> RequestAsync(Account account, string query = "", string? accessToken = null) =>
        Api.SendAsync(HttpMethod.Delete, $"/identity/v2/auth/account?apikey={account.Tenant.ApiKey}{query}",
            headers: new Dictionary<string, string> { ["Authorization"] = "Bearer " + (accessToken ?? Access(account)) });

    private Task<HttpResponseMessage> DeleteAsync(TestTenant tenant, string token) =>
        Api.Http.GetAsync($"/identity/v2/auth/account/delete?apikey={tenant.ApiKey}&deletetoken={token}");

    private async Task<MimeKit.MimeMessage> DeletionMailAsync(Account account, string query = "")
    {
        var before = fixture.Mail.CountTo(account.Email);
        var accepted = await Api.ExpectAsync(await RequestAsync(account, query), HttpStatusCode.OK);
        Assert.True(accepted.GetProperty("IsDeleteRequestAccepted").GetBoolean());
        return await fixture.Mail.LatestToAsync(account.Email, before);
    }

    private Task<HttpResponseMessage> ValidateAsync(Account account) =>
        Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/access_token/validate?apikey={account.Tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["Authorization"] = "Bearer " + Access(account) });

    [Fact]
    public async Task The_deletion_e_mail_s_token_deletes_the_account_once_frees_its_identifiers_ends_its_tokens_and_raises_DeleteAccount()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync(Settings());
        // Subscribed before the gateway first reads (and caches) the tenant's settings.
        await Api.ExpectAsync(await Api.PostAsync($"/v2/manage/webhooks?apikey={tenant.ApiKey}&apisecret={Uri.EscapeDataString(tenant.ApiSecret)}",
            new { Event = WebhookEvents.DeleteAccount, TargetUrl = receiver.Url("/hooks/delete"), Name = "delete" }), HttpStatusCode.OK);
        var (email, uid, login) = await Api.NewLoggedInAccountAsync(tenant);
        var account = new Account(tenant, email, uid, login);

        var mail = await DeletionMailAsync(account, "&deleteurl=https://app.example.com/bye?lang=en&emailtemplate=");
        Assert.Equal(account.Email, mail.To.Mailboxes.Single().Address);
        Assert.Contains("deletion", mail.Subject, StringComparison.Ordinal);
        var token = MailCatcher.ResetTokenOf(mail);
        Assert.Contains($"https://app.example.com/bye?lang=en&vtype=deleteuser&vtoken={token}", mail.TextBody, StringComparison.Ordinal);
        // Nothing is deleted by the request alone; the hash of the token is all the account keeps.
        await Api.ExpectAsync(await ValidateAsync(account), HttpStatusCode.OK);
        Assert.DoesNotContain(token[16..], JsonSerializer.Serialize(await fixture.StoredUserAsync(account.Tenant, account.Uid)), StringComparison.Ordinal);

        var deleted = await Api.ExpectAsync(await DeleteAsync(account.Tenant, token), HttpStatusCode.OK);
        Assert.True(deleted.GetProperty("IsPosted").GetBoolean());
        await Api.ExpectErrorAsync(await ValidateAsync(account), 403, 905);
        await Api.ExpectErrorAsync(await Api.PinLoginAsync(account.Tenant, account.Login.GetProperty("session_token").GetString()!, "7890"), 403, 1245);
        await Api.ExpectErrorAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={account.Tenant.ApiKey}", new { email = account.Email, password = Api.Password }), 401, 966);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/{account.Uid}?apikey={account.Tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = account.Tenant.ApiSecret }), 403, 938);
        // Used: the account is gone, so the token names nothing (1119).
        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, token), 403, 1119);
        Assert.DoesNotContain(fixture.Logs.Lines, line => line.Contains(token[16..], StringComparison.Ordinal));

        // The e-mail address is free again.
        await Api.CreateAccountAsync(account.Tenant, account.Email);

        var hook = (await receiver.WaitForAsync(d => d.Path == "/hooks/delete", 1, TimeSpan.FromSeconds(20))).Single();
        var payload = JsonDocument.Parse(hook.Body).RootElement;
        Assert.Equal(WebhookEvents.DeleteAccount, payload.GetProperty("HookName").GetString());
        Assert.Equal(account.Uid, payload.GetProperty("Data").GetProperty("Uid").GetString());
    }

    [Fact]
    public async Task Deletion_requests_are_refused_without_a_live_access_token_a_page_on_the_allowlist_or_an_e_mail_address()
    {
        var account = await AccountAsync();
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/auth/account?apikey={account.Tenant.ApiKey}"), 400, 1060);
        await Api.ExpectErrorAsync(await RequestAsync(account, accessToken: Guid.NewGuid().ToString()), 403, 905);
        var before = fixture.Mail.CountTo(account.Email);
        await Api.ExpectErrorAsync(await RequestAsync(account, "&deleteurl=https://evil.example.net/delete"), 403, 1248);
        await Api.ExpectErrorAsync(await RequestAsync(account, "&deleteurl=not-a-url"), 403, 1248);

        // No page at all: neither a deleteurl nor the tenant's Recovery:DeleteAccountUrl.
        var pageless = await AccountAsync(Settings(new RecoveryPolicy()));
        await Api.ExpectErrorAsync(await RequestAsync(pageless), 403, 1248);
        await Api.ExpectAsync(await RequestAsync(pageless, "&deleteurl=" + DeletePage), HttpStatusCode.OK);

        // An account known by its phone number alone has no address to mail the link to.
        var phoneOnly = await fixture.NewTenantAsync(Settings());
        var phone = "+1555" + Random.Shared.Next(1_000_000, 9_999_999);
        var created = await fixture.Grains.GetGrain<IUserGrain>(AccountKeys.User(phoneOnly.ApiKey, AccountKeys.NewUid()))
            .CreateAsync(await fixture.SnapshotAsync(phoneOnly), new NewAccount { PhoneId = phone, Password = new Sensitive(Api.Password), SelfRegistered = true });
        Assert.Null(created.Problem);
        var login = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/login?apikey={phoneOnly.ApiKey}", new { phone, password = Api.Password }), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/auth/account?apikey={phoneOnly.ApiKey}&access_token={login.GetProperty("access_token").GetString()}"), 403, 1023);

        // Nothing went to the refused requests' account.
        await DeletionMailAsync(account);
        Assert.Equal(before + 1, fixture.Mail.CountTo(account.Email));
    }

    [Fact]
    public async Task Delete_tokens_that_are_missing_malformed_unknown_replaced_or_expired_are_refused_and_delete_nothing()
    {
        var account = await AccountAsync();
        var first = MailCatcher.ResetTokenOf(await DeletionMailAsync(account));
        var second = MailCatcher.ResetTokenOf(await DeletionMailAsync(account));

        await Api.ExpectErrorAsync(await Api.Http.GetAsync($"/identity/v2/auth/account/delete?apikey={account.Tenant.ApiKey}"), 403, 908);
        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, "not-a-token"), 403, 1119);
        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, new string('a', 48)), 403, 1119);
        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, first), 403, 979);
        var other = await fixture.NewTenantAsync(Settings());
        await Api.ExpectErrorAsync(await DeleteAsync(other, second), 403, 1119);
        await Api.ExpectAsync(await ValidateAsync(account), HttpStatusCode.OK);

        // Lifetimes of zero cannot be set (1134), so the request is begun with a snapshot that says zero.
        var snapshot = await fixture.SnapshotAsync(account.Tenant);
        snapshot = snapshot with { Settings = snapshot.Settings with { Recovery = new RecoveryPolicy { ResetTokenMinutes = 0 } } };
        var ticket = await fixture.Grains.GetGrain<IUserGrain>(AccountKeys.User(account.Tenant.ApiKey, account.Uid))
            .BeginSecretAsync(snapshot, SecretPurpose.AccountDeletion, RecoveryChannel.Email);
        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, ticket.ResetToken!.Value.Value), 403, 975);
        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, second), 403, 979);
        await Api.ExpectAsync(await ValidateAsync(account), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Wrong_delete_tokens_count_toward_the_lockout_and_a_locked_account_is_not_deleted()
    {
        var account = await AccountAsync(Settings(lockout: new LockoutPolicy { MaxFailedAttempts = 3 }));
        var token = MailCatcher.ResetTokenOf(await DeletionMailAsync(account));
        var guessed = token[..16] + new string('0', 32);

        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, guessed), 403, 1119);
        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, guessed), 403, 1119);
        var stored = await fixture.StoredUserAsync(account.Tenant, account.Uid);
        Assert.Equal(2, stored.Failures[CredentialKind.ResetSecret].Count);
        Assert.Equal(0, stored.Failures.GetValueOrDefault(CredentialKind.Password)?.Count ?? 0);
        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, guessed), 403, 1119);

        // Locked: even the right token is refused until the lock ends, and the account stays.
        await Api.ExpectErrorAsync(await DeleteAsync(account.Tenant, token), 403, 1198);
        await Api.ExpectAsync(await ValidateAsync(account), HttpStatusCode.OK);
        fixture.Clock.Advance(TimeSpan.FromSeconds(new LockoutPolicy().SuspendSeconds + 60));
        await Api.ExpectAsync(await DeleteAsync(account.Tenant, token), HttpStatusCode.OK);
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/{account.Uid}?apikey={account.Tenant.ApiKey}",
            headers: new Dictionary<string, string> { ["X-LoginRadius-ApiSecret"] = account.Tenant.ApiSecret }), 403, 938);
    }
}
