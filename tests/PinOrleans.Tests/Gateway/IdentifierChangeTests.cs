using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Accounts;
using PinOrleans.Tenants;
using PinOrleans.Tests.Infrastructure;
using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// Changes of identifiers through the gateway: e-mail addresses and phone by access token and by the API secret,
/// verification invalidated, identifiers in the account update, the change of Uid; a taken identifier is refused with
/// nothing lost, and a released one is free for another account at once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IdentifierChangeTests(ClusterFixture fixture)
{
    private const string Page = "https://app.example.com/verify";
    private Api Api => fixture.Api;

    private static TenantSettings Settings() => new()
    {
        AllowedDomains = ["app.example.com"],
        UniformAnswers = false,
        Recovery = new RecoveryPolicy { VerificationUrl = Page },
    };

    private static string NewEmail() => $"{Guid.NewGuid():N}@example.com";

    private static string NewPhone() => "+1555" + Random.Shared.Next(1_000_000, 9_999_999);

    private static Dictionary<string, string> Bearer(string token) => new() { ["Authorization"] = $"Bearer {token}" };

    private static Dictionary<string, string> Secret(TestTenant tenant) => new() { ["X-LoginRadius-ApiSecret"] = tenant.ApiSecret };

    private static string Access(JsonElement login) => login.GetProperty("access_token").GetString()!;

    private static List<string> Emails(JsonElement profile) => profile.GetProperty("Email").EnumerateArray().Select(e => e.GetProperty("Value").GetString()!).ToList();

    /// <summary>An account with a verified e-mail address (and optionally a verified phone), logged in by password.</summary>
    private async Task<(string Email, string Uid, string Access)> AccountAsync(TestTenant tenant, bool verified = true, string? phone = null)
    {
        var email = NewEmail();
        object body = phone is null
            ? new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password, EmailVerified = verified }
            : new { Email = new[] { new { Type = "Primary", Value = email } }, Password = Api.Password, EmailVerified = verified, PhoneId = phone, PhoneIdVerified = true };
        var profile = await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}", body, Secret(tenant)), HttpStatusCode.OK);
        return (email, profile.GetProperty("Uid").GetString()!, Access(await Api.LoginAsync(tenant, email)));
    }

    private async Task<JsonElement> ProfileAsync(TestTenant tenant, string uid) =>
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/manage/account/{uid}?apikey={tenant.ApiKey}", headers: Secret(tenant)), HttpStatusCode.OK);

    private Task<HttpResponseMessage> AddEmailAsync(TestTenant tenant, string access, object body, string query = "") =>
        Api.SendAsync(HttpMethod.Post, $"/identity/v2/auth/email?apikey={tenant.ApiKey}{query}", JsonSerializer.Serialize(body), headers: Bearer(access));

    private Task<HttpResponseMessage> RemoveEmailAsync(TestTenant tenant, string access, string email) =>
        Api.SendAsync(HttpMethod.Delete, $"/identity/v2/auth/email?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { email }), headers: Bearer(access));

    private Task<HttpResponseMessage> ManageAsync(TestTenant tenant, HttpMethod method, string path, object? body = null) =>
        Api.SendAsync(method, $"/identity/v2/manage/account/{path}{(path.Contains('?') ? "&" : "?")}apikey={tenant.ApiKey}", body is null ? null : JsonSerializer.Serialize(body), headers: Secret(tenant));

    /// <summary>Whether an account can be created with <paramref name="email"/> (it is free), creating one when it can.</summary>
    private async Task<bool> FreeAsync(TestTenant tenant, string? email = null, string? phone = null, string? userName = null)
    {
        object body = new { Email = new[] { new { Type = "Primary", Value = email ?? NewEmail() } }, Password = Api.Password, PhoneId = phone, UserName = userName };
        var response = await Api.PostAsync($"/identity/v2/manage/account?apikey={tenant.ApiKey}", body, Secret(tenant));
        return response.StatusCode == HttpStatusCode.OK;
    }

    private async Task<(FakeTwilio.Delivered Sms, string Otp)> SmsAfterAsync(string phone, int before)
    {
        var sms = await Eventually.UntilAsync(() => Task.FromResult(fixture.Sms.Sent.Where(d => d.To == phone).Skip(before).LastOrDefault()), found => found is not null, TimeSpan.FromSeconds(10), _ => $"no SMS to {phone}");
        return (sms!, Regex.Match(sms!.Body!, @"\d{6}").Value);
    }

    [Fact]
    public async Task An_added_e_mail_is_unverified_until_the_link_mailed_to_it_verifies_it_and_then_logs_in()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var (email, uid, access) = await AccountAsync(tenant);
        var added = NewEmail();

        var before = fixture.Mail.CountTo(added);
        var posted = await Api.ExpectAsync(await AddEmailAsync(tenant, access, new { email = added, type = "Secondary" }, "&verificationurl=https://app.example.com/confirm"), HttpStatusCode.OK);
        Assert.True(posted.GetProperty("IsPosted").GetBoolean());
        var profile = await ProfileAsync(tenant, uid);
        Assert.Equal([email, added], Emails(profile));
        Assert.Equal(added, profile.GetProperty("UnverifiedEmail")[0].GetProperty("Value").GetString());
        Assert.True(profile.GetProperty("EmailVerified").GetBoolean());

        var mail = await fixture.Mail.LatestToAsync(added, before);
        Assert.Equal([added], mail.To.Mailboxes.Select(m => m.Address).ToList());
        Assert.Contains("https://app.example.com/confirm?", mail.TextBody, StringComparison.Ordinal);
        var verified = await Api.Http.GetAsync($"/identity/v2/auth/email?apikey={tenant.ApiKey}&verificationtoken={MailCatcher.ResetTokenOf(mail)}");
        await Api.ExpectAsync(verified, HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, (await ProfileAsync(tenant, uid)).GetProperty("UnverifiedEmail").ValueKind);

        // The added address logs in; the access token used to add it still works (no session ended).
        Assert.Equal(uid, (await Api.LoginAsync(tenant, added)).GetProperty("Profile").GetProperty("Uid").GetString());
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/account?apikey={tenant.ApiKey}", headers: Bearer(access)), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Adding_an_e_mail_refuses_with_LoginRadius_codes_and_changes_nothing()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var (email, uid, access) = await AccountAsync(tenant);
        var (other, otherUid, _) = await AccountAsync(tenant);

        await Api.ExpectErrorAsync(await AddEmailAsync(tenant, access, new { email = NewEmail() }), 400, 1201);
        await Api.ExpectErrorAsync(await AddEmailAsync(tenant, access, new { email = other.ToUpperInvariant(), type = "Secondary" }), 403, 936);
        await Api.ExpectErrorAsync(await AddEmailAsync(tenant, access, new { email, type = "Secondary" }), 403, 1174);
        await Api.ExpectErrorAsync(await AddEmailAsync(tenant, access, new { email = NewEmail(), type = "Primary" }), 400, 1203);
        var offList = NewEmail();
        await Api.ExpectErrorAsync(await AddEmailAsync(tenant, access, new { email = offList, type = "Secondary" }, "&verificationurl=https://evil.example.net/x"), 403, 1249);
        await Api.ExpectErrorAsync(await AddEmailAsync(tenant, access, new { email = "not-an-address", type = "Secondary" }), 403, 1134);
        await Api.ExpectErrorAsync(await AddEmailAsync(tenant, Guid.NewGuid().ToString(), new { email = NewEmail(), type = "Secondary" }), 403, 905);

        // Nothing was lost or added: each account has its one address, and the refused ones are free.
        Assert.Equal([email], Emails(await ProfileAsync(tenant, uid)));
        Assert.Equal([other], Emails(await ProfileAsync(tenant, otherUid)));
        Assert.True(await FreeAsync(tenant, offList));

        // An account whose addresses are all unverified adds none (LoginRadius 1177).
        var (_, _, unverifiedAccess) = await AccountAsync(tenant, verified: false);
        await Api.ExpectErrorAsync(await AddEmailAsync(tenant, unverifiedAccess, new { email = NewEmail(), type = "Secondary" }), 403, 1177);
    }

    [Fact]
    public async Task Removing_an_e_mail_frees_it_and_the_last_one_or_an_unknown_one_is_refused()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var (email, uid, access) = await AccountAsync(tenant);
        await Api.ExpectErrorAsync(await RemoveEmailAsync(tenant, access, email), 403, 1005);
        await Api.ExpectErrorAsync(await RemoveEmailAsync(tenant, access, NewEmail()), 403, 1023);

        var second = NewEmail();
        await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/email", new { Email = new[] { new { Type = "Secondary", Value = second } } }), HttpStatusCode.OK);
        var deleted = await Api.ExpectAsync(await RemoveEmailAsync(tenant, access, email.ToUpperInvariant()), HttpStatusCode.OK);
        Assert.True(deleted.GetProperty("IsDeleted").GetBoolean());

        var profile = await ProfileAsync(tenant, uid);
        Assert.Equal([second], Emails(profile));
        // The Primary address went: the one left becomes Primary.
        Assert.Equal("Primary", profile.GetProperty("Email")[0].GetProperty("Type").GetString());
        // Free: another account is created with it, and a login with it is that account's.
        Assert.True(await FreeAsync(tenant, email));
        Assert.NotEqual(uid, (await Api.LoginAsync(tenant, email)).GetProperty("Profile").GetProperty("Uid").GetString());
    }

    [Fact]
    public async Task A_new_phone_by_access_token_gets_an_otp_that_verifies_it_and_the_old_number_is_free()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var (_, uid, access) = await AccountAsync(tenant);
        var first = NewPhone();

        Task<HttpResponseMessage> Update(string phone, string token) =>
            Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/phone?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { phone }), headers: Bearer(token));
        var posted = await Api.ExpectAsync(await Update(first, access), HttpStatusCode.OK);
        Assert.True(posted.GetProperty("IsPosted").GetBoolean());
        Assert.False(string.IsNullOrEmpty(posted.GetProperty("Data").GetProperty("Sid").GetString()));
        var (_, otp) = await SmsAfterAsync(first, 0);
        Assert.False((await ProfileAsync(tenant, uid)).GetProperty("PhoneIdVerified").GetBoolean());
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/phone/otp?apikey={tenant.ApiKey}&otp={otp}", "{}", headers: Bearer(access)), HttpStatusCode.OK);
        var verified = await ProfileAsync(tenant, uid);
        Assert.Equal((first, true), (verified.GetProperty("PhoneId").GetString(), verified.GetProperty("PhoneIdVerified").GetBoolean()));

        // Taken by another account, or this account's own: 1058, nothing changes; not a number: 1134.
        var taken = NewPhone();
        Assert.True(await FreeAsync(tenant, phone: taken));
        await Api.ExpectErrorAsync(await Update(taken, access), 403, 1058);
        await Api.ExpectErrorAsync(await Update(first, access), 403, 1058);
        await Api.ExpectErrorAsync(await Update("call me", access), 403, 1134);
        Assert.Equal(first, (await ProfileAsync(tenant, uid)).GetProperty("PhoneId").GetString());

        var second = NewPhone();
        await Api.ExpectAsync(await Update(second, access), HttpStatusCode.OK);
        var changed = await ProfileAsync(tenant, uid);
        Assert.Equal((second, false), (changed.GetProperty("PhoneId").GetString(), changed.GetProperty("PhoneIdVerified").GetBoolean()));
        Assert.True(await FreeAsync(tenant, phone: first));
    }

    [Fact]
    public async Task Management_upserts_e_mails_by_type_removes_them_and_replaces_the_phone()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var (email, uid, _) = await AccountAsync(tenant);
        var (other, _, _) = await AccountAsync(tenant);
        var work = NewEmail();
        var newer = NewEmail();

        var upserted = await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/email", new { Email = new[] { new { Type = "Business", Value = work } } }), HttpStatusCode.OK);
        Assert.Equal([email, work], Emails(upserted));
        // Same type: the address is replaced and the old one is free.
        var replaced = await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/email", new { Email = new[] { new { Type = "business", Value = newer } } }), HttpStatusCode.OK);
        Assert.Equal([email, newer], Emails(replaced));
        Assert.True(await FreeAsync(tenant, work));

        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/email", new { Email = new[] { new { Type = "Other", Value = other } } }), 403, 936);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/email", new { Email = new[] { new { Value = NewEmail() } } }), 400, 1201);
        var many = Enumerable.Range(0, 9).Select(i => new { Type = $"T{i}", Value = NewEmail() }).ToArray();
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/email", new { Email = many }), 403, 1134);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, "no such uid/email", new { Email = new[] { new { Type = "A", Value = NewEmail() } } }), 403, 1200);
        Assert.Equal([email, newer], Emails(await ProfileAsync(tenant, uid)));
        Assert.True(await FreeAsync(tenant, many[0].Value));

        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Delete, $"{uid}/email", new { email = NewEmail() }), 403, 1023);
        var removed = await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Delete, $"{uid}/email", new { email = newer }), HttpStatusCode.OK);
        Assert.Equal([email], Emails(removed));
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Delete, $"{uid}/email", new { email }), 403, 1005);
        Assert.True(await FreeAsync(tenant, newer));

        var phone = NewPhone();
        var set = await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/phoneid", new { phone }), HttpStatusCode.OK);
        Assert.Equal((phone, true), (set.GetProperty("PhoneId").GetString(), set.GetProperty("PhoneIdVerified").GetBoolean()));
        var takenPhone = NewPhone();
        Assert.True(await FreeAsync(tenant, phone: takenPhone));
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/phoneid", new { phone = takenPhone }), 403, 1058);
        var next = NewPhone();
        await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/phoneid", new { phone = next }), HttpStatusCode.OK);
        Assert.True(await FreeAsync(tenant, phone: phone));
    }

    [Fact]
    public async Task The_account_update_changes_identifiers_through_the_same_path()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var (email, uid, access) = await AccountAsync(tenant);
        var takenName = "n" + Guid.NewGuid().ToString("N")[..12];
        Assert.True(await FreeAsync(tenant, userName: takenName));

        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, uid, new { Email = new[] { new { Type = "Primary", Value = email }, new { Type = "primary", Value = NewEmail() } } }), 400, 1203);
        var newEmail = NewEmail();
        var name = "u" + Guid.NewGuid().ToString("N")[..12];
        var phone = NewPhone();
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, uid, new { Email = new[] { new { Type = "Primary", Value = newEmail } }, UserName = takenName, FirstName = "Ada" }), 403, 1017);
        var unchanged = await ProfileAsync(tenant, uid);
        Assert.Equal([email], Emails(unchanged));
        Assert.Equal(JsonValueKind.Null, unchanged.GetProperty("FirstName").ValueKind);
        Assert.True(await FreeAsync(tenant, NewEmail(), userName: null) && !await FreeAsync(tenant, email));

        var updated = await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, uid, new { Email = new[] { new { Type = "Primary", Value = newEmail } }, UserName = name, PhoneId = phone, FirstName = "Ada" }), HttpStatusCode.OK);
        Assert.Equal([newEmail], Emails(updated));
        Assert.Equal((name, phone, "Ada"), (updated.GetProperty("UserName").GetString(), updated.GetProperty("PhoneId").GetString(), updated.GetProperty("FirstName").GetString()));
        Assert.True(await FreeAsync(tenant, email));
        Assert.Equal(uid, (await Api.LoginAsync(tenant, newEmail)).GetProperty("Profile").GetProperty("Uid").GetString());
        // The user name set by access token goes the same way: the old one is free afterwards.
        var renamed = "r" + Guid.NewGuid().ToString("N")[..12];
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/username?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { username = renamed }), headers: Bearer(access)), HttpStatusCode.OK);
        Assert.True(await FreeAsync(tenant, userName: name));
    }

    [Fact]
    public async Task Invalidating_verification_marks_unverified_and_sends_a_new_message()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var phone = NewPhone();
        var (email, uid, _) = await AccountAsync(tenant, phone: phone);

        var before = fixture.Mail.CountTo(email);
        var posted = await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/invalidateemail?verificationurl=https://app.example.com/again"), HttpStatusCode.OK);
        Assert.True(posted.GetProperty("IsPosted").GetBoolean());
        Assert.False((await ProfileAsync(tenant, uid)).GetProperty("EmailVerified").GetBoolean());
        var mail = await fixture.Mail.LatestToAsync(email, before);
        Assert.Contains("https://app.example.com/again?", mail.TextBody, StringComparison.Ordinal);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/invalidateemail"), 403, 1115);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/invalidateemail?verificationurl=https://evil.example.net/"), 403, 1249);
        await Api.ExpectAsync(await Api.Http.GetAsync($"/identity/v2/auth/email?apikey={tenant.ApiKey}&verificationtoken={MailCatcher.ResetTokenOf(mail)}"), HttpStatusCode.OK);
        Assert.True((await ProfileAsync(tenant, uid)).GetProperty("EmailVerified").GetBoolean());

        var sms = fixture.Sms.Sent.Count(d => d.To == phone);
        await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/invalidatephone"), HttpStatusCode.OK);
        Assert.False((await ProfileAsync(tenant, uid)).GetProperty("PhoneIdVerified").GetBoolean());
        var (_, otp) = await SmsAfterAsync(phone, sms);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/invalidatephone"), 403, 1161);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/phone/otp?apikey={tenant.ApiKey}&otp={otp}", JsonSerializer.Serialize(new { phone })), HttpStatusCode.OK);
        Assert.True((await ProfileAsync(tenant, uid)).GetProperty("PhoneIdVerified").GetBoolean());

        var (_, noPhone, _) = await AccountAsync(tenant);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{noPhone}/invalidatephone"), 403, 1147);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{Guid.NewGuid():N}/invalidateemail"), 403, 938);

        // An account registered by phone alone has no address to invalidate.
        var phoneOnly = NewPhone();
        await Api.ExpectAsync(await Api.PostAsync($"/identity/v2/auth/register?apikey={tenant.ApiKey}", new { PhoneId = phoneOnly, Password = Api.Password }, RegistrationTests.Sott(fixture, tenant)), HttpStatusCode.OK);
        var phoneOnlyUid = (await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Get, $"?phone={Uri.EscapeDataString(phoneOnly)}"), HttpStatusCode.OK)).GetProperty("Uid").GetString();
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, $"{phoneOnlyUid}/invalidateemail"), 403, 1113);
    }

    [Fact]
    public async Task A_change_of_uid_moves_the_account_ends_the_old_uids_tokens_and_refuses_a_taken_uid()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var (email, uid, access) = await AccountAsync(tenant);
        var (_, otherUid, _) = await AccountAsync(tenant);
        var newUid = "moved-" + Guid.NewGuid().ToString("N")[..10];

        Task<HttpResponseMessage> Move(string from, object body) => ManageAsync(tenant, HttpMethod.Put, $"uid?uid={from}", body);
        await Api.ExpectErrorAsync(await Move(uid, new { NewUid = otherUid }), 403, 937);
        await Api.ExpectErrorAsync(await Move(uid, new { NewUid = "not valid!" }), 403, 1200);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Put, "uid", new { NewUid = newUid }), 403, 908);
        await Api.ExpectErrorAsync(await Move(Guid.NewGuid().ToString("N"), new { NewUid = newUid }), 403, 938);
        // Refused: nothing moved, the token still works.
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/account?apikey={tenant.ApiKey}", headers: Bearer(access)), HttpStatusCode.OK);

        var posted = await Api.ExpectAsync(await Move(uid, new { NewUid = newUid }), HttpStatusCode.OK);
        Assert.True(posted.GetProperty("IsPosted").GetBoolean());
        await Api.ExpectErrorAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/account?apikey={tenant.ApiKey}", headers: Bearer(access)), 403, 905);
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Get, uid), 403, 938);
        var moved = await ProfileAsync(tenant, newUid);
        Assert.Equal([email], Emails(moved));
        Assert.Equal(uid, moved.GetProperty("PreviousUids")[0].GetString());

        // The e-mail address is the new Uid's: a login gets the new Uid's tokens, which work; the PIN moved too.
        var login = await Api.LoginAsync(tenant, email);
        Assert.Equal(newUid, login.GetProperty("Profile").GetProperty("Uid").GetString());
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Get, $"/identity/v2/auth/account?apikey={tenant.ApiKey}", headers: Bearer(Access(login))), HttpStatusCode.OK);
        Assert.False(await FreeAsync(tenant, email));
        Assert.True(await FreeAsync(tenant, NewEmail()));
    }

    [Fact]
    public async Task A_change_of_uid_interrupted_after_the_copy_is_completed_by_repeating_it()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var (email, uid, _) = await AccountAsync(tenant);
        var newUid = "resumed-" + Guid.NewGuid().ToString("N")[..10];
        var grains = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>();
        var snapshot = (await grains.GetGrain<ITenantGrain>(tenant.ApiKey).AuthorizeAsync(new Sensitive(tenant.ApiSecret), requireSecret: true)).Tenant;

        // As if the move crashed right after the copy: the new Uid holds the account, the identifiers still name the old one.
        var copy = new UserState { Uid = newUid, Email = [new EmailAddress("Primary", email)], PreviousUids = [uid], CreatedDate = DateTimeOffset.UtcNow };
        Assert.Null(await grains.GetGrain<IAccountMoveGrain>(AccountKeys.User(tenant.ApiKey, newUid)).AdoptAsync(snapshot!, copy, uid));
        Assert.Equal(uid, (await Api.LoginAsync(tenant, email)).GetProperty("Profile").GetProperty("Uid").GetString());

        await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"uid?uid={uid}", new { NewUid = newUid }), HttpStatusCode.OK);
        // Completed: the address names the new Uid (the copy made before the crash is kept, as the move made it).
        Assert.Equal(newUid, (await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Get, $"?email={email}"), HttpStatusCode.OK)).GetProperty("Uid").GetString());
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Get, uid), 403, 938);
    }

    [Fact]
    public async Task Identities_by_email_list_the_account_or_nothing()
    {
        var tenant = await fixture.NewTenantAsync(Settings());
        var (email, uid, _) = await AccountAsync(tenant);

        var found = await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Get, $"identities?email={email}"), HttpStatusCode.OK);
        Assert.Equal(uid, found.GetProperty("Data")[0].GetProperty("Uid").GetString());
        Assert.Equal(1, found.GetProperty("Data").GetArrayLength());
        var none = await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Get, $"identities?email={NewEmail()}"), HttpStatusCode.OK);
        Assert.Equal(0, none.GetProperty("Data").GetArrayLength());
        await Api.ExpectErrorAsync(await ManageAsync(tenant, HttpMethod.Get, "identities"), 403, 908);
    }

    [Fact]
    public async Task Each_identifier_change_raises_the_event_LoginRadius_names_with_the_changed_profile()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var tenant = await fixture.NewTenantAsync(new TenantSettings
        {
            AllowedDomains = ["app.example.com"],
            Recovery = new RecoveryPolicy { VerificationUrl = Page },
            Webhooks = new WebhookPolicy { RetryBaseSeconds = 0.2, MaxRetryDelaySeconds = 1, TimeoutSeconds = 2 },
        });
        string[] events = [WebhookEvents.AddEmail, WebhookEvents.RemoveEmail, WebhookEvents.UpdatePhoneId, WebhookEvents.InvalidateEmailVerification,
            WebhookEvents.InvalidatePhoneVerification, WebhookEvents.UpdateUid, WebhookEvents.SetUsername, WebhookEvents.RemovePhoneId];
        foreach (var name in events)
        {
            await Api.ExpectAsync(await Api.PostAsync($"/v2/manage/webhooks?apikey={tenant.ApiKey}&apisecret={Uri.EscapeDataString(tenant.ApiSecret)}",
                new { Event = name, TargetUrl = receiver.Url("/hooks/" + name), Name = name }), HttpStatusCode.OK);
        }

        var (_, uid, access) = await AccountAsync(tenant);
        var added = NewEmail();
        var phone = NewPhone();
        await Api.ExpectAsync(await AddEmailAsync(tenant, access, new { email = added, type = "Secondary" }), HttpStatusCode.OK);
        await Api.ExpectAsync(await RemoveEmailAsync(tenant, access, added), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/phone?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { phone }), headers: Bearer(access)), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Put, $"/identity/v2/auth/username?apikey={tenant.ApiKey}", JsonSerializer.Serialize(new { username = "w" + Guid.NewGuid().ToString("N")[..12] }), headers: Bearer(access)), HttpStatusCode.OK);
        await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/phoneid", new { phone = NewPhone() }), HttpStatusCode.OK);
        await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/invalidatephone"), HttpStatusCode.OK);
        await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"{uid}/invalidateemail"), HttpStatusCode.OK);
        await Api.ExpectAsync(await Api.SendAsync(HttpMethod.Delete, $"/identity/v2/auth/phone?apikey={tenant.ApiKey}", headers: Bearer(access)), HttpStatusCode.OK);
        var newUid = "hooked-" + Guid.NewGuid().ToString("N")[..10];
        await Api.ExpectAsync(await ManageAsync(tenant, HttpMethod.Put, $"uid?uid={uid}", new { NewUid = newUid }), HttpStatusCode.OK);

        var expected = events.ToDictionary(e => e, _ => 1);
        expected[WebhookEvents.UpdatePhoneId] = 2;
        foreach (var (name, count) in expected)
        {
            await receiver.WaitForAsync(d => d.Path == "/hooks/" + name, count, TimeSpan.FromSeconds(20));
        }

        JsonElement Data(string name) => JsonDocument.Parse(receiver.Deliveries.First(d => d.Path == "/hooks/" + name).Body).RootElement.GetProperty("Data").Clone();
        Assert.Contains(added, Emails(Data(WebhookEvents.AddEmail)));
        Assert.DoesNotContain(added, Emails(Data(WebhookEvents.RemoveEmail)));
        Assert.Equal(phone, Data(WebhookEvents.UpdatePhoneId).GetProperty("PhoneId").GetString());
        Assert.False(Data(WebhookEvents.InvalidateEmailVerification).GetProperty("EmailVerified").GetBoolean());
        Assert.Equal((newUid, uid), (Data(WebhookEvents.UpdateUid).GetProperty("Uid").GetString(), Data(WebhookEvents.UpdateUid).GetProperty("PreviousUids")[0].GetString()));
    }
}
