using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Recovery;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Self-registration (<c>/identity/v2/auth/register</c>), by e-mail or by phone, with a SOTT or a captcha.</summary>
public static class RegistrationApi
{
    private const string VerificationUrlNote =
        "The page the verification link opens (default: the tenant's `Recovery:VerificationUrl`); its origin must be that page's or on the tenant's `AllowedDomains`, https (http only for loopback), without user info: otherwise 1249 and nothing is created or sent.";

    private const string OptionsNote =
        "`PreventVerificationEmail`: no verification e-mail (optional verification flow only); anything else is 908.";

    private const string VoiceNote = "`true`: the phone verification OTP of a registration by phone is read by a voice call (not `true`/`false`: 908).";

    private const string PinNote =
        " `PINInfo {PIN, Skipped}` is taken when the tenant asks for a PIN at registration (`Pin:AskOnRegistration`): a mandatory PIN (`Pin:IsRequired`) missing is 1234; a PIN when none is asked for is 1134.";

    public static IEndpointRouteBuilder MapRegistrationApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapApiGroup("/identity/v2/auth", "Registration and verification");
        auth.MapPost("/register", RegisterAsync)
            .WithName("Register")
            .WithSummary("Register an account by e-mail (or by phone) and password with a SOTT; sends the verification e-mail or SMS OTP.")
            .WithDescription("Needs a live SOTT in `X-LoginRadius-Sott` (908 naming why not). Creates an account with the same rules as the management API, then sends a verification e-mail (an SMS OTP for an account registered by phone alone). Under the optional or disabled verification flow the answer carries `Data`: the Profile, access, refresh and PIN session tokens (a `PINAuthToken` when the tenant asks for a PIN the account has not set); under the mandatory flow only `IsPosted`." + PinNote)
            .Refuses(RegistrationRefusals)
            .Raises(WebhookEvents.Register);
        auth.MapPost("/register/captcha", RegisterWithCaptchaAsync)
            .WithName("RegisterWithCaptcha")
            .WithSummary("Register like auth/register, proven by a solved captcha instead of a SOTT.")
            .WithDescription("Like `POST /identity/v2/auth/register`, with a captcha answer (`g-recaptcha-response`, `h-captcha-response`, or `qq_captcha_ticket` and `qq_captcha_randstr`, in the body or the query) checked with the tenant's bot-protection provider instead of a SOTT: none 1132, rejected 1218; 909 when the tenant has no provider." + PinNote)
            .Refuses([.. RegistrationRefusals, ErrorCode.EndpointNotPermitted])
            .Raises(WebhookEvents.Register);
        return app;
    }

    private static readonly ErrorCode[] RegistrationRefusals =
    [
        ErrorCode.ValidationFailed, ErrorCode.EmailAlreadyRegistered, ErrorCode.UserNameAlreadyExists, ErrorCode.PhoneAlreadyExists,
        ErrorCode.RegistrationDisabled, ErrorCode.VerificationUrlInvalid, ErrorCode.PinRequired, ErrorCode.CaptchaRequired, ErrorCode.CaptchaInvalid,
    ];

    /// <summary>
    /// A registration: the account's e-mail addresses (or, by phone, its <c>PhoneId</c>), password and profile fields.
    /// Verification flags cannot be set here. Besides the fields below, any settable field of the LoginRadius Profile
    /// is taken by its name.
    /// </summary>
    public sealed record Registration(
        [property: Description("The account's e-mail addresses (1 to 10; none when registering by phone)."), Example("""[{"Type": "Primary", "Value": "jane@example.com"}]""", IsJson = true)] List<ManageAccountApi.EmailEntry?>? Email,
        [property: Description("The password, as the tenant's password policy allows."), Example("correct-horse-42")] string? Password,
        [property: Description("A unique user name (no spaces, at most 100 characters).")] string? UserName = null,
        [property: Description("A unique phone number in international format, e.g. +14155550100 (required when registering by phone).")] string? PhoneId = null,
        [property: Description("`{PIN, Skipped}` when the tenant asks for a PIN at registration."), Example("""{"PIN": "1357"}""", IsJson = true)] ManageAccountApi.PinInfo? PINInfo = null) : LockProofBody<Registration>
    {
        [JsonExtensionData, Description("Further profile fields, by their LoginRadius names.")]
        public Dictionary<string, JsonElement>? ProfileFields { get; init; }
    }

    /// <summary>A registration's answer: <c>Data</c> (the login) unless a mandatory verification is pending.</summary>
    public sealed record Registered(
        [property: Description("Always true.")] bool IsPosted,
        [property: Description("The Profile and tokens, under the optional or disabled verification flow."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] LoginAnswer? Data = null);

    private static Task<Results<Ok<Registered>, Refusal>> RegisterAsync(
        SottTenant tenant,
        Registration body,
        [FromQuery(Name = "verificationurl"), Description(VerificationUrlNote)] string? verificationUrl,
        [FromQuery(Name = "emailtemplate"), Description("The name of one of the tenant's verification e-mail templates (default: the tenant's).")] string? emailTemplate,
        [FromQuery(Name = "smstemplate"), Description("The name of one of the tenant's SMS templates, for a registration by phone.")] string? smsTemplate,
        [FromQuery(Name = "welcomeemailtemplate"), Description("The name of one of the tenant's welcome e-mail templates.")] string? welcomeEmailTemplate,
        [FromQuery(Name = "options"), Description(OptionsNote)] string? options,
        [FromQuery(Name = "isvoiceotp"), Description(VoiceNote)] string? isVoiceOtp,
        HttpRequest request,
        IGrainFactory grains,
        CaptchaVerifier captcha) =>
        RegisterByAsync(tenant, body, new Messages(verificationUrl, emailTemplate, smsTemplate, welcomeEmailTemplate, options, isVoiceOtp), request, grains, captcha, withCaptcha: false);

    private static Task<Results<Ok<Registered>, Refusal>> RegisterWithCaptchaAsync(
        Tenant tenant,
        Registration body,
        [FromQuery(Name = "verificationurl"), Description(VerificationUrlNote)] string? verificationUrl,
        [FromQuery(Name = "emailtemplate"), Description("The name of one of the tenant's verification e-mail templates (default: the tenant's).")] string? emailTemplate,
        [FromQuery(Name = "smstemplate"), Description("The name of one of the tenant's SMS templates, for a registration by phone.")] string? smsTemplate,
        [FromQuery(Name = "welcomeemailtemplate"), Description("The name of one of the tenant's welcome e-mail templates.")] string? welcomeEmailTemplate,
        [FromQuery(Name = "options"), Description(OptionsNote)] string? options,
        [FromQuery(Name = "isvoiceotp"), Description(VoiceNote)] string? isVoiceOtp,
        HttpRequest request,
        IGrainFactory grains,
        CaptchaVerifier captcha) =>
        RegisterByAsync(tenant, body, new Messages(verificationUrl, emailTemplate, smsTemplate, welcomeEmailTemplate, options, isVoiceOtp), request, grains, captcha, withCaptcha: true);

    /// <summary>What a registration's query asks of its messages.</summary>
    private sealed record Messages(string? VerificationUrl, string? EmailTemplate, string? SmsTemplate, string? WelcomeEmailTemplate, string? Options, string? IsVoiceOtp)
    {
        public bool Voice => IsVoiceOtp is { } flag
            && (bool.TryParse(flag, out var voice) ? voice : throw new LoginRadiusException(LoginRadiusError.MalformedParameter("isvoiceotp")));

        public bool PreventVerificationEmail => Options is { } options
            && (options.Equals("PreventVerificationEmail", StringComparison.OrdinalIgnoreCase)
                ? true
                : throw new LoginRadiusException(LoginRadiusError.MalformedParameter("options")));
    }

    private static async Task<Results<Ok<Registered>, Refusal>> RegisterByAsync(
        TenantSnapshot tenant, Registration body, Messages messages, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha, bool withCaptcha)
    {
        var policy = tenant.Settings.Registration;
        if (!policy.Enabled)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.RegistrationDisabled));
        }

        var account = ManageAccountApi.NewAccountOf(body.Email, body.Password, body.UserName, body.PhoneId, PinInfoOf(tenant, body), body.Json) with { SelfRegistered = true };
        var prevent = messages.PreventVerificationEmail;
        var byEmail = account.Email.Count > 0;
        var flow = byEmail ? policy.EmailVerification : policy.PhoneVerification;
        // The link's page is checked before anything is created or sent.
        Uri? page = null;
        if (byEmail && flow != VerificationFlow.Disabled && !(prevent && flow == VerificationFlow.Optional) || messages.VerificationUrl is not null)
        {
            (page, _) = AllowedLinks.Resolve(messages.VerificationUrl, SecretPurpose.EmailVerification.Rules().DefaultPage(tenant.Settings), tenant.Settings.AllowedDomains);
            if (page is null)
            {
                return LoginRadiusJson.Error(new Problem(ErrorCode.VerificationUrlInvalid));
            }
        }

        if (withCaptcha && tenant.Settings.BotProtection.Provider == BotProtectionProvider.None)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.EndpointNotPermitted));
        }

        if (withCaptcha || policy.RequireCaptcha)
        {
            var proof = await captcha.ProofAsync(request, body.Json, tenant, captchaRequired: true);
            if (!proof.CaptchaSolved)
            {
                return LoginRadiusJson.Error(new Problem(ErrorCode.CaptchaRequired));
            }
        }

        var voice = messages.Voice;
        var uid = AccountKeys.NewUid();
        var user = grains.Reference<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid));
        var created = await user.CreateAsync(tenant, account);
        if (created.Problem is { } problem)
        {
            if (problem.Code == ErrorCode.EmailAlreadyRegistered && flow == VerificationFlow.Mandatory && tenant.Settings.UniformAnswers)
            {
                // The answer a registration gets under the mandatory flow, after the hashing it costs: whether the
                // address has an account is not told to whoever types it in.
                await UniformAnswers.HashLikeAWrongSecretAsync(grains, [account.Password!.Value]);
                return TypedResults.Ok(new Registered(true));
            }

            return LoginRadiusJson.Error(problem);
        }

        // The account exists: a message that cannot be delivered does not undo it (the holder can ask again).
        var send = grains.GetGrain<IAccountMessagesGrain>(0);
        if (page is not null && byEmail && flow != VerificationFlow.Disabled && !(prevent && flow == VerificationFlow.Optional))
        {
            await send.SendEmailToAccountAsync(tenant, SecretPurpose.EmailVerification, uid, null, messages.VerificationUrl, messages.EmailTemplate);
        }
        else if (!byEmail && flow != VerificationFlow.Disabled)
        {
            await send.SendOtpToAccountAsync(tenant, SecretPurpose.PhoneVerification, uid, null, messages.SmsTemplate, voice);
        }
        else if (byEmail && flow == VerificationFlow.Disabled && policy.WelcomeEmail)
        {
            await send.SendWelcomeEmailAsync(tenant, uid, messages.WelcomeEmailTemplate);
        }

        if (flow == VerificationFlow.Mandatory)
        {
            return TypedResults.Ok(new Registered(true));
        }

        var login = await user.LoginAfterRegistrationAsync(tenant);
        return login.Problem is { } refused ? LoginRadiusJson.Error(refused) : TypedResults.Ok(new Registered(true, LoginAnswer.Of(login)));
    }

    /// <summary>
    /// <c>PINInfo</c> as the tenant's PIN settings take it at registration: with <c>AskOnRegistration</c> a PIN (or a
    /// skip) is taken, and a mandatory PIN must be given (1234); without it a PIN is refused (1134), a skip ignored.
    /// </summary>
    private static ManageAccountApi.PinInfo? PinInfoOf(TenantSnapshot tenant, Registration body)
    {
        var pin = tenant.Settings.Pin;
        var given = body.PINInfo?.PIN is { Length: > 0 };
        if (!pin.AskOnRegistration)
        {
            return given ? throw JsonBody.Invalid("PINInfo.PIN", "The tenant does not ask for a PIN at registration.") : null;
        }

        if (pin.IsRequired && !given)
        {
            throw LoginRadiusException.Of(ErrorCode.PinRequired);
        }

        return given ? body.PINInfo! with { PIN = Fields.Pin(body.PINInfo!.PIN, "PINInfo.PIN").Value, Skipped = false } : body.PINInfo;
    }
}
