using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Hosting;
using PinOrleans.Gateway.Wire;
using PinOrleans.Recovery;
using PinOrleans.Sessions;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// E-mail and phone verification (<c>auth/email</c>, <c>auth/register</c> PUT, <c>auth/phone/otp</c>), the welcome
/// e-mail, and the management route that hands out a verification token.
/// </summary>
public static class VerificationApi
{
    private const string WelcomeNote = "The name of one of the tenant's e-mail templates for the welcome e-mail (sent on verification when `Registration:WelcomeEmail` is on).";

    private const string UniformNote =
        " By default (`UniformAnswers`) an unknown identifier answers what a wrong OTP answers (1067), after the same hashing.";

    public static IEndpointRouteBuilder MapVerificationApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapApiGroup("/identity/v2/auth", "Registration and verification");
        auth.MapGet("/email", VerifyOrCheckEmailAsync)
            .WithName("VerifyEmailOrCheckAvailability")
            .WithSummary("verificationtoken: verifies the e-mail address of a verification link; email: whether the address is taken ({IsExist}).")
            .WithDescription("With `verificationtoken` (the link's `vtoken`): verifies the account's e-mail address (single use; a wrong token for a live link is 1063 and counts toward the lockout; 974 used, 975 expired, 979 replaced by a newer message) and answers `{IsPosted}`, with `Data` (Profile and tokens) when the tenant logs in after verification (`Registration:AutoLoginAfterVerification`). With `email` instead: `{\"IsExist\": true}` when an account has this e-mail address." + AvailabilityApi.Note)
            .Refuses(ErrorCode.VerificationTokenInvalid, ErrorCode.VerificationLinkUsed, ErrorCode.LinkExpired, ErrorCode.LinkUnavailable, ErrorCode.ApiSecretUnauthorized, ErrorCode.EmailNotVerified)
            .Raises(WebhookEvents.EmailVerification, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount)
            .RequireRateLimiting(RateLimiting.AvailabilityPolicy);
        auth.MapPut("/email", VerifyEmailByOtpAsync)
            .WithName("VerifyEmailByOtp")
            .WithSummary("Verifies the e-mail address with the OTP of a verification e-mail.")
            .WithDescription("Verifies the account's e-mail address with the OTP of its verification e-mail (single use; a wrong OTP is 1067 and counts toward the lockout; 1068 used, 1069 expired). Answers as `GET /identity/v2/auth/email?verificationtoken=` does." + UniformNote)
            .Refuses(ErrorCode.EmailDoesNotExist, ErrorCode.OtpInvalid, ErrorCode.OtpAlreadyUsed, ErrorCode.OtpExpired, ErrorCode.EmailNotVerified)
            .Raises(WebhookEvents.EmailVerification, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        auth.MapPut("/register", ResendEmailVerificationAsync)
            .WithName("ResendEmailVerification")
            .WithSummary("Sends the verification e-mail again (a new link and OTP; the older ones answer 979).")
            .WithDescription("Sends a new verification e-mail (`<verificationurl or the tenant's page>?vtype=emailverification&vtoken=<token>` and an OTP) to the account with this e-mail address; the older message's link answers 979. An address already verified is 1025. By default (`UniformAnswers`) an unknown, verified or limited address answers `IsPosted` too, and the message goes out in the background.")
            .Refuses(ErrorCode.ValidationFailed, ErrorCode.EmailDoesNotExist, ErrorCode.EmailAlreadyVerified, ErrorCode.VerificationUrlInvalid, ErrorCode.EmailLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked);
        auth.MapPut("/phone/otp", VerifyPhoneAsync)
            .WithName("VerifyPhoneByOtp")
            .WithSummary("Verifies the phone number with the OTP of a verification SMS: by phone (answers the Profile and tokens) or by access token ({IsPosted}).")
            .WithDescription("Verifies the account's phone number with the `otp` of its verification SMS (single use; a wrong OTP is 1067 and counts toward the lockout; 1068 used, 1069 expired). With an access token the account is the token's and the answer `{IsPosted}`; otherwise `phone` in the body names it and the answer is the Profile with access and refresh tokens, as LoginRadius' phone login answers." + UniformNote)
            .Refuses(ErrorCode.ValidationFailed, ErrorCode.PhoneDoesNotExist, ErrorCode.OtpInvalid, ErrorCode.OtpAlreadyUsed, ErrorCode.OtpExpired, ErrorCode.AccessTokenInvalid, ErrorCode.AccessTokenExpired)
            .Raises(WebhookEvents.VerifyPhoneNumber, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        auth.MapPost("/phone/otp", ResendPhoneVerificationAsync)
            .WithName("ResendPhoneVerificationOtp")
            .WithSummary("Sends a phone verification OTP by SMS (isvoiceotp=true: by voice call); Data holds the provider's AccountSid and Sid.")
            .WithDescription("Sends a new phone verification OTP to the account with this `phone` (with an access token: to the token's account). A number already verified is 1073. By default (`UniformAnswers`) an unknown, verified or limited number answers `IsPosted` too.")
            .Refuses(ErrorCode.ValidationFailed, ErrorCode.PhoneDoesNotExist, ErrorCode.PhoneAlreadyVerified, ErrorCode.SmsNotConfigured, ErrorCode.VoiceOtpNotConfigured, ErrorCode.SmsLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked, ErrorCode.AccessTokenInvalid, ErrorCode.AccessTokenExpired)
            .RefusesMalformed("isvoiceotp");
        auth.MapGet("/account/sendwelcomeemail", SendWelcomeEmailAsync)
            .WithName("SendWelcomeEmail")
            .WithSummary("Sends the welcome e-mail to the access token's account.")
            .WithDescription("E-mails the welcome message (`welcomeemailtemplate`, else the tenant's `welcome` template, else the built-in one) to the addresses of the access token's account.")
            .Refuses(ErrorCode.AccessTokenInvalid, ErrorCode.AccessTokenExpired, ErrorCode.EmailDoesNotExist, ErrorCode.MessageSendFailed);

        var manage = app.MapApiGroup("/identity/v2/manage/account", "Account management");
        manage.MapPost("/verify/token", EmailVerificationTokenAsync)
            .WithName("GetEmailVerificationToken")
            .WithSummary("An e-mail verification token for the account with this e-mail address, without sending anything (API key + secret).")
            .WithDescription("Issues a verification token (what a verification e-mail's link carries; for `GET /identity/v2/auth/email?verificationtoken=`) for the account with this e-mail address, replacing any earlier verification message's. An address already verified is 1025.")
            .Refuses(ErrorCode.ValidationFailed, ErrorCode.EmailDoesNotExist, ErrorCode.EmailAlreadyVerified, ErrorCode.EmailLimitReached, ErrorCode.AccountBlocked);
        return app;
    }

    /// <summary>An e-mail address (<c>email</c>).</summary>
    public sealed record EmailOnly(
        [property: JsonPropertyName("email"), Description("The account's e-mail address."), Example("jane@example.com")] string? Email) : RequestBody<EmailOnly>;

    /// <summary>The OTP of a verification e-mail and the address it was sent to.</summary>
    public sealed record EmailOtp(
        [property: JsonPropertyName("otp"), Description("The OTP of the verification e-mail."), Example("482913")] string? Otp,
        [property: JsonPropertyName("email"), Description("The account's e-mail address."), Example("jane@example.com")] string? Email) : LockProofBody<EmailOtp>;

    /// <summary>A phone number (<c>phone</c>), optional when an access token names the account.</summary>
    public sealed record PhoneOnly(
        [property: JsonPropertyName("phone"), Description("The account's phone number (not needed with an access token)."), Example("+14155550100")] string? Phone = null) : RequestBody<PhoneOnly>;

    /// <summary>A verification token issued by the management API.</summary>
    public sealed record VerificationTokenAnswer([property: Description("The token, as a verification link's `vtoken` carries it.")] string VerificationToken);

    private static async Task<Results<Ok<RegistrationApi.Registered>, Ok<AvailabilityApi.Availability>, Refusal>> VerifyOrCheckEmailAsync(
        Tenant tenant,
        [FromQuery(Name = "verificationtoken"), Description("The `vtoken` of a verification link (one of verificationtoken and email is required: 908).")] string? verificationToken,
        [FromQuery(Name = "email"), Description("Instead of `verificationtoken`: the e-mail address to look for (checkEmailAvailability).")] string? email,
        [FromQuery(Name = "welcomeemailtemplate"), Description(WelcomeNote)] string? welcomeEmailTemplate,
        [FromQuery(Name = "url"), Description("The site the link was opened on (LoginRadius logs it; ignored).")] string? url,
        [FromQuery(Name = "uuid"), Description("LoginRadius' uuid of a login request (ignored).")] string? uuid,
        HttpRequest request,
        IGrainFactory grains)
    {
        if (verificationToken is null)
        {
            var checkedEmail = email ?? throw new LoginRadiusException(LoginRadiusError.MissingParameter("verificationtoken"));
            return TypedResults.Ok(await AvailabilityApi.AvailabilityOfAsync(tenant, IdentifierKind.Email, checkedEmail, request, grains));
        }

        var proof = ResetTokens.Parse(verificationToken) ?? throw LoginRadiusException.Of(ErrorCode.VerificationTokenInvalid);
        var uid = await grains.Reference<ISecretLinkGrain>(ResetTokens.Key(tenant.ApiKey, proof.Selector!)).ResolveAsync(tenant.ApiKey)
            ?? throw LoginRadiusException.Of(ErrorCode.VerificationTokenInvalid);
        var outcome = await VerifyAsync(tenant, uid, proof, null, welcomeEmailTemplate, grains);
        return outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : TypedResults.Ok(VerifiedAnswer(outcome));
    }

    private static async Task<Results<Ok<RegistrationApi.Registered>, Refusal>> VerifyEmailByOtpAsync(
        Tenant tenant,
        EmailOtp body,
        [FromQuery(Name = "welcomeemailtemplate"), Description(WelcomeNote)] string? welcomeEmailTemplate,
        [FromQuery(Name = "url"), Description("The site the OTP was entered on (LoginRadius logs it; ignored).")] string? url,
        HttpRequest request,
        IGrainFactory grains,
        CaptchaVerifier captcha)
    {
        var email = Fields.Required(body.Email, "email");
        var otp = new Sensitive(Fields.Required(body.Otp, "otp"));
        var lockProof = await captcha.ProofAsync(request, body.Json, tenant);
        var uid = await Owner(tenant, IdentifierKind.Email, email, grains);
        var outcome = uid is null
            ? LoginOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist))
            : await VerifyAsync(tenant, uid, SecretProof.Otp(otp), lockProof, welcomeEmailTemplate, grains);
        return Verified(await UniformOtpAnswerAsync(tenant, outcome, IdentifierKind.Email, otp, grains));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> ResendEmailVerificationAsync(
        Tenant tenant,
        EmailOnly body,
        [FromQuery(Name = "verificationurl"), Description("The page the verification link opens (default: the tenant's `Recovery:VerificationUrl`); its origin must be that page's or on `AllowedDomains`: otherwise 1249 and nothing is sent.")] string? verificationUrl,
        [FromQuery(Name = "emailtemplate"), Description("The name of one of the tenant's e-mail templates (default: the tenant's `emailverification`).")] string? emailTemplate,
        IGrainFactory grains)
    {
        var email = Fields.Required(body.Email, "email");
        var outcome = await grains.GetGrain<IAccountMessagesGrain>(0).SendEmailAsync(tenant, SecretPurpose.EmailVerification, IdentifierKind.Email, email, verificationUrl, emailTemplate);
        return LoginRadiusJson.Answer(outcome.Problem, Posted.Yes);
    }

    private static async Task<Results<Ok<LoginAnswer>, Ok<Posted>, Refusal>> VerifyPhoneAsync(
        Tenant tenant,
        [FromQuery(Name = "otp"), Required, Description("The OTP of the verification SMS (missing: 908).")] string? otp,
        [FromQuery(Name = "smstemplate"), Description("LoginRadius' SMS template of the answer (ignored: nothing is sent).")] string? smsTemplate,
        PhoneOnly body,
        HttpRequest request,
        IGrainFactory grains)
    {
        var code = new Sensitive(otp!);
        if (OptionalAccessToken(request) is { } token)
        {
            var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token, grains, tenant);
            var byToken = await User(tenant, grant.Uid, grains).VerifyPhoneAsync(tenant, code, login: false);
            return byToken.Problem is { } problem ? LoginRadiusJson.Error(problem) : TypedResults.Ok(Posted.Yes);
        }

        var phone = Fields.Required(body.Phone, "phone");
        var uid = await Owner(tenant, IdentifierKind.Phone, phone, grains);
        var outcome = uid is null ? LoginOutcome.Fail(new Problem(ErrorCode.UserDoesNotExist)) : await User(tenant, uid, grains).VerifyPhoneAsync(tenant, code, login: true);
        outcome = await UniformOtpAnswerAsync(tenant, outcome, IdentifierKind.Phone, code, grains);
        return outcome.Problem is { } refused ? LoginRadiusJson.Error(refused) : TypedResults.Ok(LoginAnswer.Of(outcome));
    }

    private static async Task<Results<Ok<PinRecoveryApi.OtpPosted>, Refusal>> ResendPhoneVerificationAsync(
        Tenant tenant,
        PhoneOnly body,
        [FromQuery(Name = "smstemplate"), Description("The name of one of the tenant's SMS templates (default: the tenant's `phoneverification`).")] string? smsTemplate,
        [FromQuery(Name = "isvoiceotp"), Description("`true`: a voice call reads the OTP (not `true`/`false`: 908; voice not configured: 1281).")] string? isVoiceOtp,
        HttpRequest request,
        IGrainFactory grains)
    {
        var voice = isVoiceOtp is { } flag
            && (bool.TryParse(flag, out var parsed) ? parsed : throw new LoginRadiusException(LoginRadiusError.MalformedParameter("isvoiceotp")));
        var messages = grains.GetGrain<IAccountMessagesGrain>(0);
        MessageOutcome outcome;
        if (OptionalAccessToken(request) is { } token)
        {
            var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token, grains, tenant);
            outcome = await messages.SendOtpToAccountAsync(tenant, SecretPurpose.PhoneVerification, grant.Uid, null, smsTemplate, voice);
        }
        else
        {
            outcome = await messages.SendOtpAsync(tenant, SecretPurpose.PhoneVerification, Fields.Required(body.Phone, "phone"), smsTemplate, voice);
        }

        return LoginRadiusJson.Answer(outcome.Problem, new PinRecoveryApi.OtpPosted(true, new PinRecoveryApi.SmsData(outcome.Sms?.AccountSid, outcome.Sms?.Sid)));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> SendWelcomeEmailAsync(
        Tenant tenant,
        UserToken token,
        [FromQuery(Name = "welcomeemailtemplate"), Description("The name of one of the tenant's e-mail templates (default: the tenant's `welcome`).")] string? welcomeEmailTemplate,
        IGrainFactory grains)
    {
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        var outcome = await grains.GetGrain<IAccountMessagesGrain>(0).SendWelcomeEmailAsync(tenant, grant.Uid, welcomeEmailTemplate);
        return LoginRadiusJson.Answer(outcome.Problem, Posted.Yes);
    }

    private static async Task<Results<Ok<VerificationTokenAnswer>, Refusal>> EmailVerificationTokenAsync(TrustedTenant tenant, EmailOnly body, IGrainFactory grains)
    {
        var email = Fields.Required(body.Email, "email");
        var uid = await Owner(tenant, IdentifierKind.Email, email, grains);
        var ticket = uid is null
            ? SecretTicket.Fail(ErrorCode.EmailDoesNotExist)
            : await User(tenant, uid, grains).BeginSecretAsync(tenant, SecretPurpose.EmailVerification, RecoveryChannel.Email);
        return ticket.Problem is { } problem
            ? LoginRadiusJson.Error(problem.Code == ErrorCode.UserDoesNotExist ? new Problem(ErrorCode.EmailDoesNotExist) : problem)
            : TypedResults.Ok(new VerificationTokenAnswer(ticket.ResetToken!.Value.Value));
    }

    /// <summary>Verifies the account's e-mail; a verified address gets the welcome e-mail when the tenant sends one.</summary>
    private static async Task<LoginOutcome> VerifyAsync(TenantSnapshot tenant, string uid, SecretProof proof, LockProof? lockProof, string? welcomeEmailTemplate, IGrainFactory grains)
    {
        var outcome = await User(tenant, uid, grains).VerifyEmailAsync(tenant, proof, lockProof);
        if (outcome.Problem is null && tenant.Settings.Registration.WelcomeEmail)
        {
            await grains.GetGrain<IAccountMessagesGrain>(0).SendWelcomeEmailAsync(tenant, uid, welcomeEmailTemplate);
        }

        return outcome;
    }

    /// <summary>
    /// Without uniform answers an unknown identifier answers its own code (1023, 1043); with them (the default) an
    /// unknown identifier or a locked account answers 1067 as a wrong OTP does, after the hashing a wrong one costs.
    /// </summary>
    private static async Task<LoginOutcome> UniformOtpAnswerAsync(TenantSnapshot tenant, LoginOutcome outcome, IdentifierKind kind, Sensitive otp, IGrainFactory grains)
    {
        if (!tenant.Settings.UniformAnswers)
        {
            return outcome.Problem?.Code == ErrorCode.UserDoesNotExist ? LoginOutcome.Fail(new Problem(kind.NotFound())) : outcome;
        }

        if (outcome.Problem is { } problem && (problem.Code == ErrorCode.UserDoesNotExist || UniformAnswers.IsLockRefusal(problem)))
        {
            await UniformAnswers.HashLikeAWrongSecretAsync(grains, [otp]);
            return LoginOutcome.Fail(new Problem(ErrorCode.OtpInvalid));
        }

        return outcome;
    }

    private static Results<Ok<RegistrationApi.Registered>, Refusal> Verified(LoginOutcome outcome) =>
        outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : TypedResults.Ok(VerifiedAnswer(outcome));

    /// <summary><c>{IsPosted}</c>, with <c>Data</c> when the verification logged in.</summary>
    private static RegistrationApi.Registered VerifiedAnswer(LoginOutcome outcome) =>
        new(true, outcome.Tokens is null && outcome.PinAuthToken is null ? null : LoginAnswer.Of(outcome));

    /// <summary>An access token when the request carries one (header or query), else null: the route then names the account otherwise.</summary>
    private static string? OptionalAccessToken(HttpRequest request) =>
        request.Headers.Authorization.Count > 0 || ApiRequest.Query(request, "access_token") is not null ? ApiRequest.AccessToken(request) : null;

    private static Task<string?> Owner(TenantSnapshot tenant, IdentifierKind kind, string value, IGrainFactory grains) =>
        grains.Reference<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, value)).ResolveAsync();

    private static IUserGrain User(TenantSnapshot tenant, string uid, IGrainFactory grains) => grains.Reference<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid));
}
