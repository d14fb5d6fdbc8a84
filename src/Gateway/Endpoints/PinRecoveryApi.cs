using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Recovery;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Forgot PIN (e-mail link and OTP, SMS or voice OTP) and reset PIN (reset token, OTP, security answers).</summary>
public static class PinRecoveryApi
{
    private const string UniformNote =
        " By default (`UniformAnswers`) an unknown identifier, and a suspended or blocked account, answer what a wrong secret answers, after the same hashing, so the answer does not tell whether the account exists.";

    private const string ResetPinUrlNote =
        "The page the reset link opens (default: the tenant's `Recovery:ResetPinUrl`); its origin must be that page's or on the tenant's `AllowedDomains`, https (http only for loopback), without user info: otherwise 1248 and nothing is sent.";

    public static IEndpointRouteBuilder MapPinRecoveryApi(this IEndpointRouteBuilder app)
    {
        var pin = app.MapApiGroup("/identity/v2/auth/pin", "Forgot and reset PIN");
        foreach (var kind in new[] { IdentifierKind.Email, IdentifierKind.UserName })
        {
            var name = kind == IdentifierKind.Email ? "email" : "username";
            pin.MapPost($"/forgot/{name}", (Tenant tenant, ForgotPinByEmail body, [FromQuery(Name = "resetpinurl"), Description(ResetPinUrlNote)] string? resetPinUrl, [FromQuery(Name = "emailtemplate"), Description("The name of one of the tenant's e-mail templates (default: the tenant's).")] string? emailTemplate, IGrainFactory grains) => ForgotByEmailAsync(tenant, body, resetPinUrl, emailTemplate, grains, kind))
                .WithName(kind == IdentifierKind.Email ? "ForgotPinByEmail" : "ForgotPinByUserName")
                .WithSummary(kind == IdentifierKind.Email
                    ? "E-mails a reset link (resetpinurl or the tenant's page, vtoken=reset token) and a reset OTP."
                    : "Like forgot/email, for the account with this UserName.")
                .WithDescription($"E-mails a PIN reset link (`<resetpinurl or the tenant's page>?vtype=resetpin&vtoken=<reset token>`) and a reset OTP to the account with this {name}. A newer request replaces the link of an older one (979).")
                .Refuses(ErrorCode.ValidationFailed, kind.NotFound(), ErrorCode.EmailDoesNotExist, ErrorCode.ResetPinUrlInvalid, ErrorCode.EmailLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked, ErrorCode.AccountSuspended);
        }

        pin.MapPost("/forgot/otp", ForgotByPhoneAsync)
            .WithName("ForgotPinByPhone").WithSummary("Sends a reset OTP by SMS (isvoiceotp=true: by voice call); Data holds the provider's AccountSid and Sid.")
            .WithDescription("Sends a PIN reset OTP by SMS (`isvoiceotp=true`: by voice call) to the account with this phone number. `Data` holds the provider's ids.")
            .Refuses(ErrorCode.ValidationFailed, ErrorCode.PhoneDoesNotExist, ErrorCode.SmsNotConfigured, ErrorCode.VoiceOtpNotConfigured, ErrorCode.SmsLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked, ErrorCode.AccountSuspended)
            .RefusesMalformed("isvoiceotp");
        pin.MapPut("/reset/token", ResetByTokenAsync)
            .WithName("ResetPinByResetToken").WithSummary("Sets a new PIN with the reset token of a forgot-PIN link (single use).")
            .WithDescription("Sets a new PIN with the reset token of a forgot-PIN link (`vtoken` of the link; single use). A wrong token for a real link is 1063 and counts toward the lockout.")
            .Refuses(ErrorCode.PinRequired, ErrorCode.VerificationTokenInvalid, ErrorCode.PinResetLinkUsed, ErrorCode.LinkExpired, ErrorCode.LinkUnavailable)
            .Raises(WebhookEvents.ResetPIN, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        foreach (var (kind, name) in ApiRequest.Identifiers)
        {
            pin.MapPut($"/reset/otp/{name}", (Tenant tenant, ResetPinByOtp body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha) => ResetByOtpAsync(tenant, body, request, grains, captcha, kind))
                .WithName($"ResetPinBy{kind}AndOtp").WithSummary($"Sets a new PIN with the {name} and the OTP of a forgot-PIN message (1067 invalid, 1068 used, 1069 expired).")
                .WithDescription($"Sets a new PIN with the {name} and the OTP of a forgot-PIN message (single use). A wrong OTP is 1067 and counts toward the lockout; 1068 used, 1069 expired." + UniformNote)
                .Refuses(ErrorCode.PinRequired, kind.NotFound(), ErrorCode.OtpInvalid, ErrorCode.OtpAlreadyUsed, ErrorCode.OtpExpired)
                .Raises(WebhookEvents.ResetPIN, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
            pin.MapPut($"/reset/securityanswer/{name}", (Tenant tenant, ResetPinBySecurityAnswer body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha) => ResetBySecurityAnswerAsync(tenant, body, request, grains, captcha, kind))
                .WithName($"ResetPinBy{kind}AndSecurityAnswer").WithSummary($"Sets a new PIN with the {name} and answers to the account's security questions (1093 wrong).")
                .WithDescription($"Sets a new PIN with the {name} and answers to the account's security questions (compared ignoring case, extra spaces and Unicode composition). A wrong answer is 1093 and counts toward the lockout; 1094 unknown question, 1092 none saved, 1095 disabled, 1260 too few answers." + UniformNote)
                .Refuses(ErrorCode.PinRequired, kind.NotFound())
                .Raises(WebhookEvents.ResetPIN, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        }

        return app;
    }

    /// <summary>The account to send a forgot-PIN e-mail to (by <c>Email</c> or by <c>UserName</c>, as the route says).</summary>
    public sealed record ForgotPinByEmail(
        [property: Description("The account's e-mail address (forgot/email)."), Example("jane@example.com")] string? Email = null,
        [property: Description("The account's user name (forgot/username).")] string? UserName = null) : RequestBody<ForgotPinByEmail>;

    /// <summary>The account to send a reset OTP to.</summary>
    public sealed record ForgotPinByPhone(
        [property: Description("The account's phone number."), Example("+14155550100")] string? Phone) : RequestBody<ForgotPinByPhone>;

    /// <summary>A reset token and the new PIN.</summary>
    public sealed record ResetPinByToken(
        [property: Description("The reset token (`vtoken`) of the forgot-PIN link.")] string? ResetToken,
        [property: Description("The new PIN."), Example("2468")] string? PIN) : LockProofBody<ResetPinByToken>;

    /// <summary>The account (by the identifier the route names), the OTP of its forgot-PIN message, and the new PIN.</summary>
    public sealed record ResetPinByOtp(
        [property: Description("The OTP of the forgot-PIN message."), Example("482913")] string? OTP,
        [property: Description("The new PIN."), Example("2468")] string? PIN,
        [property: Description("The account's e-mail address (reset/otp/email).")] string? Email = null,
        [property: Description("The account's user name (reset/otp/username).")] string? UserName = null,
        [property: Description("The account's phone number (reset/otp/phone).")] string? Phone = null) : LockProofBody<ResetPinByOtp>
    {
        public static string FieldOf(IdentifierKind kind) => kind switch
        {
            IdentifierKind.Email => "Email",
            IdentifierKind.UserName => "UserName",
            _ => "Phone",
        };
    }

    /// <summary>
    /// The account (by the identifier the route names), answers to its security questions (<c>SecurityAnswer</c>, the
    /// same field a SecurityQuestion lockout reads), and the new PIN.
    /// </summary>
    public sealed record ResetPinBySecurityAnswer(
        [property: Description("The new PIN."), Example("2468")] string? PIN,
        [property: Description("The account's e-mail address (reset/securityanswer/email).")] string? Email = null,
        [property: Description("The account's user name (reset/securityanswer/username).")] string? UserName = null,
        [property: Description("The account's phone number (reset/securityanswer/phone).")] string? Phone = null) : LockProofBody<ResetPinBySecurityAnswer>;

    /// <summary>What the SMS provider said of the message.</summary>
    public sealed record SmsData(
        [property: Description("The provider's account id.")] string? AccountSid,
        [property: Description("The provider's message id.")] string? Sid);

    /// <summary>A reset OTP was sent (or, for an unknown phone by default, seemed to be).</summary>
    public sealed record OtpPosted(
        [property: Description("Always true.")] bool IsPosted,
        [property: Description("The SMS provider's ids for the message.")] SmsData Data);

    private static async Task<Results<Ok<Posted>, Refusal>> ForgotByEmailAsync(Tenant tenant, ForgotPinByEmail body, string? resetPinUrl, string? emailTemplate, IGrainFactory grains, IdentifierKind kind)
    {
        var identifier = Required(kind == IdentifierKind.Email ? body.Email : body.UserName, ResetPinByOtp.FieldOf(kind));
        var outcome = await grains.GetGrain<IAccountMessagesGrain>(0).SendEmailAsync(tenant, SecretPurpose.PinReset, kind, identifier, resetPinUrl, emailTemplate);
        return LoginRadiusJson.Answer(outcome.Problem, Posted.Yes);
    }

    private static async Task<Results<Ok<OtpPosted>, Refusal>> ForgotByPhoneAsync(
        Tenant tenant,
        ForgotPinByPhone body,
        [FromQuery(Name = "smstemplate"), Description("The name of one of the tenant's SMS templates (default: the tenant's).")] string? smsTemplate,
        [FromQuery(Name = "isvoiceotp"), Description("`true`: a voice call reads the OTP (not `true`/`false`: 908; voice not configured: 1281).")] string? isVoiceOtp,
        IGrainFactory grains)
    {
        var phone = Required(body.Phone, "Phone");
        var voice = isVoiceOtp is { } flag
            && (bool.TryParse(flag, out var parsed) ? parsed : throw new LoginRadiusException(LoginRadiusError.MalformedParameter("isvoiceotp")));
        var outcome = await grains.GetGrain<IAccountMessagesGrain>(0).SendOtpAsync(tenant, SecretPurpose.PinReset, phone, smsTemplate, voice);
        return LoginRadiusJson.Answer(outcome.Problem, new OtpPosted(true, new SmsData(outcome.Sms?.AccountSid, outcome.Sms?.Sid)));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> ResetByTokenAsync(Tenant tenant, ResetPinByToken body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var token = Required(body.ResetToken, "ResetToken");
        var pin = Fields.Pin(body.PIN, "PIN");
        var problem = await SecretResets.ByTokenAsync(grains, tenant, token, async (account, proof) =>
            await account.ResetPinAsync(tenant, proof, pin, await captcha.ProofAsync(request, body.Json, tenant)));
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }

    private static async Task<Results<Ok<Posted>, Refusal>> ResetByOtpAsync(Tenant tenant, ResetPinByOtp body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha, IdentifierKind kind)
    {
        var identifier = Required(kind switch { IdentifierKind.Email => body.Email, IdentifierKind.UserName => body.UserName, _ => body.Phone }, ResetPinByOtp.FieldOf(kind));
        var otp = Required(body.OTP, "OTP");
        var pin = Fields.Pin(body.PIN, "PIN");
        if (otp.Length > Fields.MaxPinLength)
        {
            throw LoginRadiusException.Of(ErrorCode.OtpInvalid);
        }

        var lockProof = await captcha.ProofAsync(request, body.Json, tenant);
        return await ResetAsync(grains, tenant, kind, identifier, SecretProof.Otp(new Sensitive(otp)), pin, lockProof);
    }

    private static async Task<Results<Ok<Posted>, Refusal>> ResetBySecurityAnswerAsync(Tenant tenant, ResetPinBySecurityAnswer body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha, IdentifierKind kind)
    {
        var identifier = Required(kind switch { IdentifierKind.Email => body.Email, IdentifierKind.UserName => body.UserName, _ => body.Phone }, ResetPinByOtp.FieldOf(kind));
        var answers = Fields.SecurityAnswers(body.Json, "SecurityAnswer") is { Count: > 0 } given
            ? given
            : throw JsonBody.Invalid("SecurityAnswer", "The SecurityAnswer field is required: an object of answers by question id.");
        var pin = Fields.Pin(body.PIN, "PIN");
        var lockProof = await captcha.ProofAsync(request, body.Json, tenant);
        return await ResetAsync(grains, tenant, kind, identifier, SecretProof.SecurityAnswers(answers), pin, lockProof);
    }

    /// <summary>
    /// A reset by identifier and OTP or security answers (<see cref="SecretResets.ByIdentifierAsync"/>); with uniform
    /// answers the tenant's PIN policy answers first, before any lookup.
    /// </summary>
    private static async Task<Results<Ok<Posted>, Refusal>> ResetAsync(IGrainFactory grains, TenantSnapshot tenant, IdentifierKind kind, string identifier, SecretProof proof, Sensitive pin, LockProof lockProof)
    {
        if (tenant.Settings.UniformAnswers && tenant.Settings.Pin.ErrorFor(pin.Value) is { } pinError)
        {
            throw LoginRadiusException.Of(Problem.Validation("PIN", pinError));
        }

        var problem = await SecretResets.ByIdentifierAsync(grains, tenant, SecretPurpose.PinReset, kind, identifier, proof, account => account.ResetPinAsync(tenant, proof, pin, lockProof));
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }

    internal static string Required(string? value, string field) =>
        value is { Length: > 0 } && !string.IsNullOrWhiteSpace(value) && value.Length <= 256
            ? value.Trim()
            : throw JsonBody.Invalid(field, $"The {field} field is required (at most 256 characters).");
}
