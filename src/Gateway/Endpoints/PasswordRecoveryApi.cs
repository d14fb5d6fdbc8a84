using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Recovery;
using PinOrleans.Webhooks;
using static PinOrleans.Gateway.Endpoints.PinRecoveryApi;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// Forgot password (e-mail link and OTP, SMS OTP), reset password (reset token, OTP, security answers) and the
/// management route that issues a forgot-password token: the one-time secrets of <see cref="SecretPurpose.PasswordReset"/>.
/// </summary>
public static class PasswordRecoveryApi
{
    private const string UniformNote =
        " By default (`UniformAnswers`) an unknown identifier, and a suspended or blocked account, answer what a wrong secret answers, after the same hashing, and the tenant's password policy answers only once the secret proved right, so the answer does not tell whether the account exists.";

    private const string ResetPasswordUrlNote =
        "The page the reset link opens (default: the tenant's `Recovery:ResetPasswordUrl`); its origin must be that page's or on the tenant's `AllowedDomains`, https (http only for loopback), without user info: otherwise 9248 (PinOrleans' own code) and nothing is sent.";

    private const string TemplateNote = "The name of one of the tenant's e-mail templates (default: the tenant's `passwordreset` template, else the built-in one).";

    private const string UnusedTemplateNote = "Accepted as LoginRadius accepts it; PinOrleans sends no welcome or confirmation e-mail after a reset.";

    public static IEndpointRouteBuilder MapPasswordRecoveryApi(this IEndpointRouteBuilder app)
    {
        var password = app.MapApiGroup("/identity/v2/auth/password", "Forgot and reset password");
        password.MapPost("", ForgotByEmailAsync)
            .WithName("ForgotPassword")
            .WithSummary("E-mails a reset link (resetpasswordurl or the tenant's page, vtype=reset, vtoken=reset token) and a reset OTP, to the account with this email (or username).")
            .WithDescription("E-mails a password reset link (`<resetpasswordurl or the tenant's page>?vtype=reset&vtoken=<reset token>`) and a reset OTP to the account with this `email` (or, as LoginRadius' UserName workflow allows, `username`). A newer request replaces the link and OTP of an older one (979)." + UniformNote)
            .Refuses(ErrorCode.ValidationFailed, ErrorCode.EmailDoesNotExist, ErrorCode.UserNameDoesNotExist, ErrorCode.ResetPasswordUrlInvalid, ErrorCode.EmailLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked, ErrorCode.AccountSuspended);
        password.MapPost("/otp", ForgotByPhoneAsync)
            .WithName("ForgotPasswordByPhoneOtp")
            .WithSummary("Sends a password reset OTP by SMS (isvoiceotp=true: by voice call); Data holds the provider's AccountSid and Sid.")
            .WithDescription("Sends a password reset OTP by SMS (`isvoiceotp=true`: by voice call) to the account with this phone number. `Data` holds the provider's ids." + UniformNote)
            .Refuses(ErrorCode.ValidationFailed, ErrorCode.PhoneDoesNotExist, ErrorCode.SmsNotConfigured, ErrorCode.VoiceOtpNotConfigured, ErrorCode.SmsLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked, ErrorCode.AccountSuspended)
            .RefusesMalformed("isvoiceotp");
        password.MapPut("/reset", ResetAsync)
            .WithName("ResetPassword")
            .WithSummary("Sets a new password with the reset token of a forgot-password link, or with the Email or Username and the OTP of a forgot-password e-mail (single use).")
            .WithDescription("One route, told apart by the body as LoginRadius does: `ResetToken` + `Password` (the link's `vtoken`; 1063 wrong, counting toward the lockout when it names a real link; 974 used; 975 expired; 979 replaced by a newer request), or `Email` or `Username` + `Otp` + `Password` (1185 wrong, counting toward the lockout; 1186 used; 1187 expired). The new password must pass the tenant's password policy (1134; the secret stays unspent). The reset ends every session and token of the account." + UniformNote)
            .Refuses(ErrorCode.VerificationTokenInvalid, ErrorCode.PasswordResetLinkUsed, ErrorCode.LinkExpired, ErrorCode.LinkUnavailable,
                ErrorCode.VerificationOtpInvalid, ErrorCode.EmailOtpAlreadyUsed, ErrorCode.EmailOtpExpired, ErrorCode.EmailDoesNotExist, ErrorCode.UserNameDoesNotExist)
            .Raises(WebhookEvents.ResetPassword, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        password.MapPut("/otp", ResetByPhoneAsync)
            .WithName("ResetPasswordByPhoneOtp")
            .WithSummary("Sets a new password with the phone number and the OTP of a forgot-password SMS (1067 invalid, 1068 used, 1069 expired).")
            .WithDescription("Sets a new password with the phone number and the OTP of a forgot-password SMS (single use). A wrong OTP is 1067 and counts toward the lockout; 1068 used, 1069 expired. The new password must pass the tenant's password policy (1134). The reset ends every session and token of the account." + UniformNote)
            .Refuses(ErrorCode.PhoneDoesNotExist, ErrorCode.OtpInvalid, ErrorCode.OtpAlreadyUsed, ErrorCode.OtpExpired)
            .Raises(WebhookEvents.ResetPassword, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        password.MapPut("/securityanswer", ResetBySecurityAnswerAsync)
            .WithName("ResetPasswordBySecurityAnswer")
            .WithSummary("Sets a new password with the Email, Phone or Username and answers to the account's security questions (1093 wrong).")
            .WithDescription("Sets a new password with the account's `Email`, `Phone` or `Username` (the first given, in that order) and `SecurityAnswer` (answers by question id, compared ignoring case, extra spaces and Unicode composition). A wrong answer is 1093 and counts toward the lockout; 1094 unknown question, 1092 none saved, 1095 disabled, 1260 too few answers. The new password must pass the tenant's password policy (1134). The reset ends every session and token of the account." + UniformNote)
            .Refuses(ErrorCode.EmailDoesNotExist, ErrorCode.UserNameDoesNotExist, ErrorCode.PhoneDoesNotExist)
            .Raises(WebhookEvents.ResetPassword, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);

        var manage = app.MapApiGroup("/identity/v2/manage/account", "Account management");
        manage.MapPost("/forgot/token", ForgotTokenAsync)
            .WithName("GetForgotPasswordToken")
            .WithSummary("A forgot-password token (ForgotToken) for the account with this email or username; sendemail=true also e-mails the link (API key + secret).")
            .WithDescription("Issues the account's forgot-password request (as `POST /identity/v2/auth/password` does, replacing an older one) and returns its reset token as `ForgotToken`, for `PUT /identity/v2/auth/password/reset`. With `sendemail=true` the link and OTP also go out by e-mail (not in the background: a refusal of the mail server is 1072). `IdentityProviders` is always empty: PinOrleans has no social logins.")
            .Refuses(ErrorCode.ValidationFailed, ErrorCode.EmailDoesNotExist, ErrorCode.UserNameDoesNotExist, ErrorCode.ResetPasswordUrlInvalid, ErrorCode.EmailLimitReached, ErrorCode.MessageSendFailed, ErrorCode.AccountBlocked, ErrorCode.AccountSuspended)
            .RefusesMalformed("sendemail");
        return app;
    }

    /// <summary>The account to send a forgot-password e-mail to (by <c>email</c>, or by <c>username</c>).</summary>
    public sealed record ForgotPasswordBody(
        [property: Description("The account's e-mail address."), Example("jane@example.com")] string? Email = null,
        [property: Description("The account's user name (UserName workflow), when no email is given.")] string? UserName = null) : RequestBody<ForgotPasswordBody>;

    /// <summary>The account to send a password reset OTP to.</summary>
    public sealed record ForgotPasswordByPhoneBody(
        [property: Description("The account's phone number."), Example("+14155550100")] string? Phone) : RequestBody<ForgotPasswordByPhoneBody>;

    /// <summary>A reset token, or an e-mail address or user name with an OTP; and the new password.</summary>
    public sealed record ResetPasswordBody(
        [property: Description("The new password."), Example("correct-horse-42")] string? Password,
        [property: Description("The reset token (`vtoken`) of the forgot-password link (reset by token).")] string? ResetToken = null,
        [property: Description("The account's e-mail address (reset by OTP).")] string? Email = null,
        [property: Description("The account's user name (reset by OTP, UserName workflow).")] string? UserName = null,
        [property: Description("The OTP of the forgot-password e-mail (reset by OTP)."), Example("482913")] string? Otp = null,
        [property: Description(UnusedTemplateNote)] string? WelcomeEmailTemplate = null,
        [property: Description(UnusedTemplateNote)] string? ResetPasswordEmailTemplate = null) : LockProofBody<ResetPasswordBody>;

    /// <summary>The phone number, the OTP of its forgot-password SMS, and the new password.</summary>
    public sealed record ResetPasswordByPhoneBody(
        [property: Description("The account's phone number."), Example("+14155550100")] string? Phone,
        [property: Description("The OTP of the forgot-password SMS."), Example("482913")] string? Otp,
        [property: Description("The new password."), Example("correct-horse-42")] string? Password,
        [property: Description("Accepted as LoginRadius accepts it (the SMS template of a message this route does not send).")] string? SmsTemplate = null,
        [property: Description(UnusedTemplateNote)] string? ResetPasswordEmailTemplate = null) : LockProofBody<ResetPasswordByPhoneBody>;

    /// <summary>
    /// The account (by <c>Email</c>, <c>Phone</c> or <c>Username</c>), answers to its security questions
    /// (<c>SecurityAnswer</c>, the same field a SecurityQuestion lockout reads), and the new password.
    /// </summary>
    public sealed record ResetPasswordBySecurityAnswerBody(
        [property: Description("The new password."), Example("correct-horse-42")] string? Password,
        [property: Description("The account's e-mail address.")] string? Email = null,
        [property: Description("The account's phone number.")] string? Phone = null,
        [property: Description("The account's user name.")] string? UserName = null,
        [property: Description(UnusedTemplateNote)] string? ResetPasswordEmailTemplate = null) : LockProofBody<ResetPasswordBySecurityAnswerBody>;

    /// <summary>A forgot-password token (LoginRadius <c>{ForgotToken, IdentityProviders}</c>).</summary>
    public sealed record ForgotTokenAnswer(
        [property: Description("The reset token, for `PUT /identity/v2/auth/password/reset` (single use; a newer request replaces it).")] string ForgotToken,
        [property: Description("The account's social identity providers: always empty.")] IReadOnlyList<string> IdentityProviders);

    private static async Task<Results<Ok<Posted>, Refusal>> ForgotByEmailAsync(
        Tenant tenant,
        ForgotPasswordBody body,
        [FromQuery(Name = "resetpasswordurl"), Description(ResetPasswordUrlNote)] string? resetPasswordUrl,
        [FromQuery(Name = "emailtemplate"), Description(TemplateNote)] string? emailTemplate,
        IGrainFactory grains)
    {
        var (kind, identifier) = EmailOrUserName(body.Email, body.UserName);
        var outcome = await grains.GetGrain<IAccountMessagesGrain>(0).SendEmailAsync(tenant, SecretPurpose.PasswordReset, kind, identifier, resetPasswordUrl, emailTemplate);
        return LoginRadiusJson.Answer(outcome.Problem, Posted.Yes);
    }

    private static async Task<Results<Ok<OtpPosted>, Refusal>> ForgotByPhoneAsync(
        Tenant tenant,
        ForgotPasswordByPhoneBody body,
        [FromQuery(Name = "smstemplate"), Description("The name of one of the tenant's SMS templates (default: the tenant's `passwordreset` template, else the built-in one).")] string? smsTemplate,
        [FromQuery(Name = "isvoiceotp"), Description("`true`: a voice call reads the OTP (not `true`/`false`: 908; voice not configured: 1281).")] string? isVoiceOtp,
        IGrainFactory grains)
    {
        var phone = Required(body.Phone, "Phone");
        var voice = Flag(isVoiceOtp, "isvoiceotp");
        var outcome = await grains.GetGrain<IAccountMessagesGrain>(0).SendOtpAsync(tenant, SecretPurpose.PasswordReset, phone, smsTemplate, voice);
        return LoginRadiusJson.Answer(outcome.Problem, new OtpPosted(true, new SmsData(outcome.Sms?.AccountSid, outcome.Sms?.Sid)));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> ResetAsync(Tenant tenant, ResetPasswordBody body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var password = NewPassword(body.Password);
        if (body.ResetToken is { Length: > 0 } token)
        {
            var problem = await SecretResets.ByTokenAsync(grains, tenant, token, async (account, proof) =>
                await account.ResetPasswordAsync(tenant, proof, password, await captcha.ProofAsync(request, body.Json, tenant)));
            return LoginRadiusJson.Answer(problem, Posted.Yes);
        }

        if (body.Otp is not { Length: > 0 } && body.Email is null && body.UserName is null)
        {
            throw JsonBody.Invalid("ResetToken", "The ResetToken field is required (or Email or Username with Otp).");
        }

        var (kind, identifier) = EmailOrUserName(body.Email, body.UserName);
        var otp = Fields.Required(body.Otp, "Otp");
        if (otp.Length > Fields.MaxPinLength)
        {
            throw LoginRadiusException.Of(SecretPurpose.PasswordReset.Rules().EmailOtpWrong);
        }

        return await ResetByIdentifierAsync(grains, tenant, kind, identifier, SecretProof.Otp(new Sensitive(otp), byEmail: true), password, await captcha.ProofAsync(request, body.Json, tenant));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> ResetByPhoneAsync(Tenant tenant, ResetPasswordByPhoneBody body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var phone = Required(body.Phone, "Phone");
        var otp = Fields.Required(body.Otp, "Otp");
        var password = NewPassword(body.Password);
        if (otp.Length > Fields.MaxPinLength)
        {
            throw LoginRadiusException.Of(ErrorCode.OtpInvalid);
        }

        return await ResetByIdentifierAsync(grains, tenant, IdentifierKind.Phone, phone, SecretProof.Otp(new Sensitive(otp)), password, await captcha.ProofAsync(request, body.Json, tenant));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> ResetBySecurityAnswerAsync(Tenant tenant, ResetPasswordBySecurityAnswerBody body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var (kind, identifier) = body switch
        {
            { Email: not null } => (IdentifierKind.Email, Required(body.Email, "Email")),
            { Phone: not null } => (IdentifierKind.Phone, Required(body.Phone, "Phone")),
            { UserName: not null } => (IdentifierKind.UserName, Required(body.UserName, "Username")),
            _ => throw JsonBody.Invalid("Email", "The Email field is required (or Phone or Username)."),
        };
        var answers = Fields.SecurityAnswers(body.Json, "SecurityAnswer") is { Count: > 0 } given
            ? given
            : throw JsonBody.Invalid("SecurityAnswer", "The SecurityAnswer field is required: an object of answers by question id.");
        var password = NewPassword(body.Password);
        return await ResetByIdentifierAsync(grains, tenant, kind, identifier, SecretProof.SecurityAnswers(answers), password, await captcha.ProofAsync(request, body.Json, tenant));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> ResetByIdentifierAsync(IGrainFactory grains, Tenant tenant, IdentifierKind kind, string identifier, SecretProof proof, Sensitive password, LockProof lockProof)
    {
        var problem = await SecretResets.ByIdentifierAsync(grains, tenant, SecretPurpose.PasswordReset, kind, identifier, proof, account => account.ResetPasswordAsync(tenant, proof, password, lockProof));
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }

    private static async Task<Results<Ok<ForgotTokenAnswer>, Refusal>> ForgotTokenAsync(
        TrustedTenant tenant,
        ForgotPasswordBody body,
        [FromQuery(Name = "sendemail"), Description("`true`: the link (and OTP) also go out by e-mail (not `true`/`false`: 908).")] string? sendEmail,
        [FromQuery(Name = "emailtemplate"), Description("With `sendemail=true`: " + TemplateNote)] string? emailTemplate,
        [FromQuery(Name = "resetpasswordurl"), Description("With `sendemail=true`: " + ResetPasswordUrlNote)] string? resetPasswordUrl,
        IGrainFactory grains)
    {
        var (kind, identifier) = EmailOrUserName(body.Email, body.UserName);
        var send = Flag(sendEmail, "sendemail");
        var issued = await grains.GetGrain<IAccountMessagesGrain>(0).IssueTokenAsync(tenant, SecretPurpose.PasswordReset, kind, identifier, resetPasswordUrl, emailTemplate, send);
        return LoginRadiusJson.Answer(issued.Problem, new ForgotTokenAnswer(issued.Token?.Value ?? "", []));
    }

    /// <summary>The account's <c>email</c>, else its <c>username</c> (LoginRadius' UserName workflow); 1134 when neither is given.</summary>
    private static (IdentifierKind Kind, string Identifier) EmailOrUserName(string? email, string? userName) =>
        email is not null || userName is null
            ? (IdentifierKind.Email, Required(email, "Email"))
            : (IdentifierKind.UserName, Required(userName, "Username"));

    /// <summary>The new password: 1134 when missing (the tenant's password policy decides the rest, in the account).</summary>
    private static Sensitive NewPassword(string? password) =>
        password is { Length: > 0 and <= 1024 } ? new Sensitive(password)
        : throw JsonBody.Invalid("Password", password is null or "" ? "The Password field is required." : "The Password field may not be longer than 1024 characters.");

    internal static bool Flag(string? value, string name) =>
        value is { } flag && (bool.TryParse(flag, out var parsed) ? parsed : throw new LoginRadiusException(LoginRadiusError.MalformedParameter(name)));
}
