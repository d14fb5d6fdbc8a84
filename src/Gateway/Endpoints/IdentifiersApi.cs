using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Wire;
using PinOrleans.Recovery;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// Changes of an account's identifiers: e-mail addresses and phone number by access token (<c>auth/email</c>,
/// <c>auth/phone</c>) and with the API secret (<c>manage/account/{uid}/email</c>, <c>/phoneid</c>,
/// <c>/invalidateemail</c>, <c>/invalidatephone</c>, <c>manage/account/uid</c>), and the identities of an e-mail address.
/// All go through the account's one identifier-change path (claim the new, write, release the old).
/// </summary>
public static class IdentifiersApi
{
    private const string UrlNote = "The page the verification link opens (default: the tenant's `Recovery:VerificationUrl`); its origin must be that page's or on `AllowedDomains`: otherwise 1249 and nothing changes.";
    private const string EmailTemplateNote = "The name of one of the tenant's e-mail templates (default: the tenant's `emailverification`).";
    private const string SmsTemplateNote = "The name of one of the tenant's SMS templates (default: the tenant's `phoneverification`).";
    private const string VoiceNote = "`true`: a voice call reads the OTP (not `true`/`false`: 908; voice not configured: 1281).";
    private const string NoSessionsEnd = " No session or token ends: an identifier is not a credential.";

    public static IEndpointRouteBuilder MapIdentifiersApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapApiGroup("/identity/v2/auth", "Profile by access token");
        auth.MapPost("/email", AddEmailAsync)
            .WithName("AddEmail").WithSummary("Adds an unverified e-mail address to the access token's account and e-mails it a verification link and OTP.")
            .WithDescription("Adds `email` (of `type`: required, 1201) to the access token's account, unverified (`UnverifiedEmail` on the profile), and sends it a verification e-mail (`<verificationurl>?vtype=emailverification&vtoken=<token>` and an OTP) that `GET`/`PUT /identity/v2/auth/email` verify. 936 when another account has the address, 1174 when this one does, 1177 when none of the account's addresses is verified, 1203 a second `Primary`, 1134 past 10 addresses." + NoSessionsEnd)
            .Refuses(ErrorCode.EmailTypeRequired, ErrorCode.EmailAlreadyRegistered, ErrorCode.EmailAlreadyOnAccount, ErrorCode.NoVerifiedEmail, ErrorCode.OnlyOnePrimaryEmail, ErrorCode.ValidationFailed,
                ErrorCode.VerificationUrlInvalid, ErrorCode.EmailLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked)
            .Raises(WebhookEvents.AddEmail);
        auth.MapDelete("/email", RemoveEmailAsync)
            .WithName("RemoveEmail").WithSummary("Removes an e-mail address from the access token's account; it is free again.")
            .WithDescription("Removes `email` from the access token's account; the address is free for other accounts at once. 1023 when the account does not have it, 1005 for its only address. A removed `Primary` address passes `Primary` to the next one." + NoSessionsEnd)
            .Refuses(ErrorCode.EmailDoesNotExist, ErrorCode.LastEmailAddress)
            .Raises(WebhookEvents.RemoveEmail);
        auth.MapPut("/phone", UpdatePhoneAsync)
            .WithName("UpdatePhoneNumber").WithSummary("Sets a new, unverified phone number on the access token's account and sends it a verification OTP; Data holds the provider's AccountSid and Sid.")
            .WithDescription("Sets `phone` as the access token's account's `PhoneId`, unverified, releases the old number, and sends the new one an OTP that `PUT /identity/v2/auth/phone/otp` verifies. 1058 when any account (this one too) has the number, 1134 not a number in international format." + NoSessionsEnd)
            .Refuses(ErrorCode.PhoneAlreadyExists, ErrorCode.ValidationFailed, ErrorCode.SmsNotConfigured, ErrorCode.VoiceOtpNotConfigured, ErrorCode.SmsLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked)
            .RefusesMalformed("isvoiceotp")
            .Raises(WebhookEvents.UpdatePhoneId);

        var manage = app.MapApiGroup("/identity/v2/manage/account", "Account management");
        manage.MapPut("/{uid}/email", UpsertEmailAsync)
            .WithName("UpsertEmail").WithSummary("Adds e-mail addresses by type; an address of a type the account has replaces it (API key + secret).")
            .WithDescription("LoginRadius' upsert: each `Email` entry `{Type, Value}` replaces the account's address of that type, or is added when the account has none of it (unverified). 936 when another account has an address, 1201 an entry without `Type`, 1203 a second `Primary`, 1134 past 10 addresses or not an address. Answers the profile." + NoSessionsEnd)
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.EmailTypeRequired, ErrorCode.EmailAlreadyRegistered, ErrorCode.OnlyOnePrimaryEmail, ErrorCode.ValidationFailed)
            .Raises(WebhookEvents.AddEmail);
        manage.MapDelete("/{uid}/email", RemoveEmailByUidAsync)
            .WithName("RemoveEmailByUid").WithSummary("Removes an e-mail address from the account; it is free again (API key + secret).")
            .WithDescription("Removes `email` from the account, as `DELETE /identity/v2/auth/email` does (1023, 1005); answers the profile.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.EmailDoesNotExist, ErrorCode.LastEmailAddress)
            .Raises(WebhookEvents.RemoveEmail);
        manage.MapPut("/{uid}/phoneid", UpdatePhoneIdByUidAsync)
            .WithName("UpdatePhoneIdByUid").WithSummary("Replaces the account's phone number, verified, without an OTP (API key + secret).")
            .WithDescription("Sets `phone` as the account's `PhoneId`, bypassing the OTP as LoginRadius does (`PhoneIdVerified: true`), and releases the old number. 1058 when any account has the number, 1134 not a number. Answers the profile.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.PhoneAlreadyExists, ErrorCode.ValidationFailed)
            .Raises(WebhookEvents.UpdatePhoneId);
        manage.MapPut("/{uid}/invalidateemail", InvalidateEmailAsync)
            .WithName("InvalidateEmailVerification").WithSummary("Marks the account's e-mail addresses unverified and sends a new verification e-mail (API key + secret).")
            .WithDescription("Sets `EmailVerified: false` (every address) and sends a verification e-mail to the account's addresses. 1113 when the account has no address, 1115 when it is unverified already. Under the mandatory flow the account cannot log in with its password until it verifies again.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.NoEmailToInvalidate, ErrorCode.EmailAlreadyUnverified, ErrorCode.VerificationUrlInvalid, ErrorCode.EmailLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked)
            .Raises(WebhookEvents.InvalidateEmailVerification);
        manage.MapPut("/{uid}/invalidatephone", InvalidatePhoneAsync)
            .WithName("ResetPhoneIdVerification").WithSummary("Marks the account's phone number unverified and sends a new verification OTP (API key + secret).")
            .WithDescription("Sets `PhoneIdVerified: false` and sends the number an OTP that `PUT /identity/v2/auth/phone/otp` verifies. 1147 when the account has no number, 1161 when it is unverified already.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.NoPhoneToInvalidate, ErrorCode.PhoneAlreadyUnverified, ErrorCode.SmsNotConfigured, ErrorCode.VoiceOtpNotConfigured, ErrorCode.SmsLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked)
            .RefusesMalformed("isvoiceotp")
            .Raises(WebhookEvents.InvalidatePhoneVerification);
        manage.MapPut("/uid", UpdateUidAsync)
            .WithName("AccountUpdateUid").WithSummary("Moves the account to a new Uid; the old Uid's tokens and sessions end (API key + secret).")
            .WithDescription("Moves the account `uid` (query) to `NewUid` (body; 1 to 50 letters, digits, '_' or '-': 1200; another account's: 937, for which LoginRadius documents no code). Safe against a crash midway: the move is recorded on the account first, then the account is copied, its identifiers handed over and the old Uid removed; repeating the request completes an interrupted move. Every token and PIN session of the old Uid ends; the account logs in again as before (password, PIN) and its profile lists the old Uid in `PreviousUids`. Raises `UpdateUid`.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.UidTaken, ErrorCode.ValidationFailed)
            .Raises(WebhookEvents.UpdateUid);
        manage.MapGet("/identities", IdentitiesByEmailAsync)
            .WithName("AccountIdentitiesByEmail").WithSummary("The accounts (identities) with this e-mail address (API key + secret).")
            .WithDescription("`{\"Data\": [Profile]}`: the account with this e-mail address. An address is unique per tenant in PinOrleans, so `Data` holds one profile, or none when no account has it.")
            .RefusesMalformed("email");
        return app;
    }

    /// <summary>An e-mail address to add and its type.</summary>
    public sealed record NewEmail(
        [property: JsonPropertyName("email"), Description("The address to add."), Example("jane.work@example.com")] string? Email,
        [property: JsonPropertyName("type"), Description("Its type: `Primary`, `Secondary`, `Business`... (required: 1201)."), Example("Secondary")] string? Type) : RequestBody<NewEmail>;

    /// <summary>An e-mail address to remove.</summary>
    public sealed record EmailToRemove(
        [property: JsonPropertyName("email"), Description("The address to remove."), Example("jane.work@example.com")] string? Email) : RequestBody<EmailToRemove>;

    /// <summary>A phone number to set.</summary>
    public sealed record NewPhone(
        [property: JsonPropertyName("phone"), Description("The new number in international format."), Example("+14155550100")] string? Phone) : RequestBody<NewPhone>;

    /// <summary>LoginRadius' <c>upsertEmailModel</c>.</summary>
    public sealed record EmailUpsert(
        [property: Description("`[{Type, Value}]`: an entry of a type the account has replaces that address; another type is added."), Example("""[{"Type": "Secondary", "Value": "jane.work@example.com"}]""", IsJson = true)] List<ManageAccountApi.EmailEntry?>? Email) : RequestBody<EmailUpsert>;

    /// <summary>LoginRadius' <c>updateUidModel</c>.</summary>
    public sealed record NewUidBody(
        [property: Description("The account's new Uid (1 to 50 letters, digits, '_' or '-')."), Example("jane-2024")] string? NewUid) : RequestBody<NewUidBody>;

    /// <summary><c>{"Data": [Profile]}</c>.</summary>
    public sealed record Identities([property: Description("The accounts with the address (at most one).")] List<Profile> Data);

    private static async Task<Results<Ok<Posted>, Refusal>> AddEmailAsync(
        Tenant tenant,
        UserToken token,
        NewEmail body,
        [FromQuery(Name = "verificationurl"), Description(UrlNote)] string? verificationUrl,
        [FromQuery(Name = "emailtemplate"), Description(EmailTemplateNote)] string? emailTemplate,
        IGrainFactory grains)
    {
        var email = Fields.Required(body.Email, "email");
        var type = string.IsNullOrWhiteSpace(body.Type) ? throw LoginRadiusException.Of(ErrorCode.EmailTypeRequired) : body.Type.Trim();
        // The link's page is checked before anything changes, as for every verification message.
        CheckVerificationUrl(tenant, verificationUrl);
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        if (await User(tenant, grant.Uid, grains).AddEmailAsync(tenant, new EmailAddress(type, email)) is { } problem)
        {
            return LoginRadiusJson.Error(problem);
        }

        var sent = await grains.GetGrain<IAccountMessagesGrain>(0).SendEmailToAccountAsync(tenant, SecretPurpose.EmailVerification, grant.Uid, email.Trim(), verificationUrl, emailTemplate);
        return LoginRadiusJson.Answer(sent.Problem, Posted.Yes);
    }

    private static async Task<Results<Ok<Deleted>, Refusal>> RemoveEmailAsync(Tenant tenant, UserToken token, EmailToRemove body, IGrainFactory grains)
    {
        var email = Fields.Required(body.Email, "email");
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        return LoginRadiusJson.Answer((await User(tenant, grant.Uid, grains).RemoveEmailAsync(tenant, email)).Problem, Deleted.Yes);
    }

    private static async Task<Results<Ok<PinRecoveryApi.OtpPosted>, Refusal>> UpdatePhoneAsync(
        Tenant tenant,
        UserToken token,
        NewPhone body,
        [FromQuery(Name = "smstemplate"), Description(SmsTemplateNote)] string? smsTemplate,
        [FromQuery(Name = "isvoiceotp"), Description(VoiceNote)] string? isVoiceOtp,
        IGrainFactory grains)
    {
        var phone = Fields.Required(body.Phone, "phone");
        var voice = PasswordRecoveryApi.Flag(isVoiceOtp, "isvoiceotp");
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        if ((await User(tenant, grant.Uid, grains).SetPhoneAsync(tenant, phone, verified: false)).Problem is { } problem)
        {
            return LoginRadiusJson.Error(problem);
        }

        return await SendPhoneOtpAsync(tenant, grant.Uid, smsTemplate, voice, grains);
    }

    private static async Task<Results<Ok<PinRecoveryApi.OtpPosted>, Refusal>> SendPhoneOtpAsync(TenantSnapshot tenant, string uid, string? smsTemplate, bool voice, IGrainFactory grains)
    {
        var sent = await grains.GetGrain<IAccountMessagesGrain>(0).SendOtpToAccountAsync(tenant, SecretPurpose.PhoneVerification, uid, null, smsTemplate, voice);
        return LoginRadiusJson.Answer(sent.Problem, new PinRecoveryApi.OtpPosted(true, new PinRecoveryApi.SmsData(sent.Sms?.AccountSid, sent.Sms?.Sid)));
    }

    private static async Task<Results<Ok<Profile>, Refusal>> UpsertEmailAsync(
        TrustedTenant tenant,
        [Description(ManageAccountApi.UidNote)] string uid,
        EmailUpsert body,
        [FromQuery(Name = "fields"), Description("LoginRadius' filter of the answer's fields (ignored: the whole profile is answered).")] string? fields,
        IGrainFactory grains)
    {
        var user = ManageAccountApi.UserGrain(tenant.ApiKey, uid, grains);
        var emails = body.Email ?? throw JsonBody.Invalid("Email", "The Email field is required.");
        if (emails.Count == 0 || emails.Any(e => e is null || string.IsNullOrWhiteSpace(e.Value)))
        {
            throw JsonBody.Invalid("Email", "The Email field must be an array of {Type, Value} objects.");
        }

        if (emails.Any(e => string.IsNullOrWhiteSpace(e!.Type)))
        {
            throw LoginRadiusException.Of(ErrorCode.EmailTypeRequired);
        }

        return ManageAccountApi.Render(await user.UpsertEmailsAsync(tenant, emails.Select(e => new EmailAddress(e!.Type!.Trim(), e.Value!)).ToList()));
    }

    private static async Task<Results<Ok<Profile>, Refusal>> RemoveEmailByUidAsync(
        TrustedTenant tenant,
        [Description(ManageAccountApi.UidNote)] string uid,
        EmailToRemove body,
        [FromQuery(Name = "fields"), Description("LoginRadius' filter of the answer's fields (ignored: the whole profile is answered).")] string? fields,
        IGrainFactory grains)
    {
        var user = ManageAccountApi.UserGrain(tenant.ApiKey, uid, grains);
        return ManageAccountApi.Render(await user.RemoveEmailAsync(tenant, Fields.Required(body.Email, "email")));
    }

    private static async Task<Results<Ok<Profile>, Refusal>> UpdatePhoneIdByUidAsync(
        TrustedTenant tenant,
        [Description(ManageAccountApi.UidNote)] string uid,
        NewPhone body,
        [FromQuery(Name = "fields"), Description("LoginRadius' filter of the answer's fields (ignored: the whole profile is answered).")] string? fields,
        IGrainFactory grains)
    {
        var user = ManageAccountApi.UserGrain(tenant.ApiKey, uid, grains);
        return ManageAccountApi.Render(await user.SetPhoneAsync(tenant, Fields.Required(body.Phone, "phone"), verified: true));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> InvalidateEmailAsync(
        TrustedTenant tenant,
        [Description(ManageAccountApi.UidNote)] string uid,
        [FromQuery(Name = "verificationurl"), Description(UrlNote)] string? verificationUrl,
        [FromQuery(Name = "emailtemplate"), Description(EmailTemplateNote)] string? emailTemplate,
        IGrainFactory grains)
    {
        var user = ManageAccountApi.UserGrain(tenant.ApiKey, uid, grains);
        CheckVerificationUrl(tenant, verificationUrl);
        if (await user.InvalidateVerificationAsync(tenant, SecretPurpose.EmailVerification) is { } problem)
        {
            return LoginRadiusJson.Error(problem);
        }

        var sent = await grains.GetGrain<IAccountMessagesGrain>(0).SendEmailToAccountAsync(tenant, SecretPurpose.EmailVerification, user.GetPrimaryKeyString().Split('/')[1], null, verificationUrl, emailTemplate);
        return LoginRadiusJson.Answer(sent.Problem, Posted.Yes);
    }

    private static async Task<Results<Ok<PinRecoveryApi.OtpPosted>, Refusal>> InvalidatePhoneAsync(
        TrustedTenant tenant,
        [Description(ManageAccountApi.UidNote)] string uid,
        [FromQuery(Name = "smstemplate"), Description(SmsTemplateNote)] string? smsTemplate,
        [FromQuery(Name = "isvoiceotp"), Description(VoiceNote)] string? isVoiceOtp,
        IGrainFactory grains)
    {
        var user = ManageAccountApi.UserGrain(tenant.ApiKey, uid, grains);
        var voice = PasswordRecoveryApi.Flag(isVoiceOtp, "isvoiceotp");
        if (await user.InvalidateVerificationAsync(tenant, SecretPurpose.PhoneVerification) is { } problem)
        {
            return LoginRadiusJson.Error(problem);
        }

        return await SendPhoneOtpAsync(tenant, user.GetPrimaryKeyString().Split('/')[1], smsTemplate, voice, grains);
    }

    private static async Task<Results<Ok<Posted>, Refusal>> UpdateUidAsync(
        TrustedTenant tenant,
        [FromQuery(Name = "uid"), Required, Description("The account's current Uid (missing: 908).")] string? uid,
        NewUidBody body,
        IGrainFactory grains)
    {
        var user = ManageAccountApi.UserGrain(tenant.ApiKey, uid!, grains);
        var newUid = ManageAccountApi.CheckedUid(Fields.Required(body.NewUid, "NewUid"));
        return LoginRadiusJson.Answer(await user.ChangeUidAsync(tenant, newUid), Posted.Yes);
    }

    private static async Task<Results<Ok<Identities>, Refusal>> IdentitiesByEmailAsync(
        TrustedTenant tenant,
        [FromQuery(Name = "email"), Required, Description("The e-mail address (missing: 908)."), Example("jane@example.com")] string? email,
        [FromQuery(Name = "fields"), Description("LoginRadius' filter of the answer's fields (ignored: whole profiles are answered).")] string? fields,
        IGrainFactory grains)
    {
        var outcome = await grains.Reference<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, IdentifierKind.Email, email!)).GetProfileAsync();
        return TypedResults.Ok(new Identities(outcome.Profile is { } profile ? [new Profile(profile)] : []));
    }

    /// <summary>1249 when a verification link would open a page off the tenant's own and its <c>AllowedDomains</c>.</summary>
    private static void CheckVerificationUrl(TenantSnapshot tenant, string? verificationUrl)
    {
        var (page, _) = AllowedLinks.Resolve(verificationUrl, SecretPurpose.EmailVerification.Rules().DefaultPage(tenant.Settings), tenant.Settings.AllowedDomains);
        if (page is null)
        {
            throw LoginRadiusException.Of(ErrorCode.VerificationUrlInvalid);
        }
    }

    private static IUserGrain User(TenantSnapshot tenant, string uid, IGrainFactory grains) => grains.Reference<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid));
}
