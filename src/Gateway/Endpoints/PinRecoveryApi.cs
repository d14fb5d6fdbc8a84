using System.Text.Json;
using System.Text.Json.Nodes;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Recovery;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Forgot PIN (e-mail link and OTP, SMS or voice OTP) and reset PIN (reset token, OTP, security answers).</summary>
public static class PinRecoveryApi
{
    public static IEndpointRouteBuilder MapPinRecoveryApi(this IEndpointRouteBuilder app)
    {
        var pin = app.MapGroup("/identity/v2/auth/pin").WithTags("Forgot and reset PIN");
        pin.MapPost("/forgot/email", (HttpRequest request, IGrainFactory grains) => ForgotByEmailAsync(request, grains, IdentifierKind.Email))
            .WithName("ForgotPinByEmail").WithSummary("E-mails a reset link (resetpinurl or the tenant's page, vtoken=reset token) and a reset OTP.");
        pin.MapPost("/forgot/username", (HttpRequest request, IGrainFactory grains) => ForgotByEmailAsync(request, grains, IdentifierKind.UserName))
            .WithName("ForgotPinByUserName").WithSummary("Like forgot/email, for the account with this UserName.");
        pin.MapPost("/forgot/otp", ForgotByPhoneAsync)
            .WithName("ForgotPinByPhone").WithSummary("Sends a reset OTP by SMS (isvoiceotp=true: by voice call); Data holds the provider's AccountSid and Sid.");
        pin.MapPut("/reset/token", ResetByTokenAsync)
            .WithName("ResetPinByResetToken").WithSummary("Sets a new PIN with the reset token of a forgot-PIN link (single use).");
        foreach (var (kind, name) in ApiRequest.Identifiers)
        {
            pin.MapPut($"/reset/otp/{name}", (HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha) => ResetByOtpAsync(request, grains, captcha, kind))
                .WithName($"ResetPinBy{kind}AndOtp").WithSummary($"Sets a new PIN with the {name} and the OTP of a forgot-PIN message (1067 invalid, 1068 used, 1069 expired).");
            pin.MapPut($"/reset/securityanswer/{name}", (HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha) => ResetBySecurityAnswerAsync(request, grains, captcha, kind))
                .WithName($"ResetPinBy{kind}AndSecurityAnswer").WithSummary($"Sets a new PIN with the {name} and answers to the account's security questions (1093 wrong).");
        }

        return app;
    }

    private static async Task<IResult> ForgotByEmailAsync(HttpRequest request, IGrainFactory grains, IdentifierKind kind)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var body = await ApiRequest.BodyAsync(request);
        var identifier = RequiredIdentifier(body, kind);
        var outcome = await grains.GetGrain<IPinRecoveryGrain>(0).SendResetEmailAsync(
            tenant, kind, identifier, ApiRequest.Query(request, "resetpinurl"), ApiRequest.Query(request, "emailtemplate"));
        return LoginRadiusJson.Answer(outcome.Problem, new JsonObject { ["IsPosted"] = true });
    }

    private static async Task<IResult> ForgotByPhoneAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var body = await ApiRequest.BodyAsync(request);
        var phone = RequiredIdentifier(body, IdentifierKind.Phone);
        var voice = ApiRequest.Query(request, "isvoiceotp") is { } flag
            && (bool.TryParse(flag, out var parsed) ? parsed : throw new LoginRadiusException(LoginRadiusError.MalformedParameter("isvoiceotp")));
        var outcome = await grains.GetGrain<IPinRecoveryGrain>(0).SendResetOtpAsync(tenant, phone, ApiRequest.Query(request, "smstemplate"), voice);
        return LoginRadiusJson.Answer(outcome.Problem, new JsonObject
        {
            ["IsPosted"] = true,
            ["Data"] = new JsonObject { ["AccountSid"] = outcome.Sms?.AccountSid, ["Sid"] = outcome.Sms?.Sid },
        });
    }

    private static async Task<IResult> ResetByTokenAsync(HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var body = await ApiRequest.BodyAsync(request);
        var token = Required(body, "ResetToken");
        var pin = body.RequiredPin("PIN");
        var proof = ResetTokens.Parse(token) ?? throw LoginRadiusException.Of(ErrorCode.VerificationTokenInvalid);
        var uid = await grains.GetGrain<IPinResetLinkGrain>(ResetTokens.Key(tenant.ApiKey, proof.Selector!)).ResolveAsync(tenant.ApiKey)
            ?? throw LoginRadiusException.Of(ErrorCode.VerificationTokenInvalid);
        return await ResetAsync(grains, tenant, uid, proof, pin, await captcha.ProofAsync(request, body, tenant));
    }

    private static async Task<IResult> ResetByOtpAsync(HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha, IdentifierKind kind)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var body = await ApiRequest.BodyAsync(request);
        var identifier = RequiredIdentifier(body, kind);
        var otp = Required(body, "OTP");
        var pin = body.RequiredPin("PIN");
        if (otp.Length > JsonBody.MaxPinLength)
        {
            throw LoginRadiusException.Of(ErrorCode.OtpInvalid);
        }

        var lockProof = await captcha.ProofAsync(request, body, tenant);
        return await ResetAsync(grains, tenant, kind, identifier, PinResetProof.Otp(new Sensitive(otp)), pin, lockProof);
    }

    private static async Task<IResult> ResetBySecurityAnswerAsync(HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha, IdentifierKind kind)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var body = await ApiRequest.BodyAsync(request);
        var identifier = RequiredIdentifier(body, kind);
        var answers = SecurityAnswers(body, "SecurityAnswer") is { Count: > 0 } given
            ? given
            : throw JsonBody.Invalid("SecurityAnswer", "The SecurityAnswer field is required: an object of answers by question id.");
        var pin = body.RequiredPin("PIN");
        var lockProof = await captcha.ProofAsync(request, body, tenant);
        return await ResetAsync(grains, tenant, kind, identifier, PinResetProof.SecurityAnswers(answers), pin, lockProof);
    }

    private static async Task<IResult> ResetAsync(IGrainFactory grains, TenantSnapshot tenant, string uid, PinResetProof proof, Sensitive pin, LockProof lockProof) =>
        LoginRadiusJson.Answer(await grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).ResetPinAsync(tenant, proof, pin, lockProof), new JsonObject { ["IsPosted"] = true });

    /// <summary>
    /// A reset by identifier and OTP or security answers. An unknown identifier (or one deleted meanwhile), and a
    /// suspended or blocked account, answer 1023/1022/1043 and the lock's code where the tenant wants LoginRadius'
    /// distinct codes; by default they answer what a wrong secret answers (1067, 1093), after the hashing a wrong
    /// secret costs, so the answer does not tell whether the account exists.
    /// </summary>
    private static async Task<IResult> ResetAsync(IGrainFactory grains, TenantSnapshot tenant, IdentifierKind kind, string identifier, PinResetProof proof, Sensitive pin, LockProof lockProof)
    {
        if (tenant.Settings.UniformAnswers)
        {
            // The tenant's rules first, before any lookup: an answer that depends on them must not depend on the account.
            if (tenant.Settings.Pin.ErrorFor(pin.Value) is { } pinError)
            {
                throw LoginRadiusException.Of(Problem.Validation("PIN", pinError));
            }

            var questions = tenant.Settings.SecurityQuestions;
            if (proof.Kind == PinResetProofKind.SecurityAnswers && (!questions.Enabled || proof.Answers.Count < questions.RequiredAnswers))
            {
                throw LoginRadiusException.Of(questions.Enabled ? ErrorCode.MinimumSecurityAnswersMissing : ErrorCode.SecurityQuestionsDisabled);
            }
        }

        var uid = await grains.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, identifier)).ResolveAsync();
        var problem = uid is null
            ? new Problem(ErrorCode.UserDoesNotExist)
            : await grains.GetGrain<IUserGrain>(AccountKeys.User(tenant.ApiKey, uid)).ResetPinAsync(tenant, proof, pin, lockProof);
        if (!tenant.Settings.UniformAnswers)
        {
            return LoginRadiusJson.Answer(problem?.Code == ErrorCode.UserDoesNotExist ? new Problem(kind.NotFound()) : problem, new JsonObject { ["IsPosted"] = true });
        }

        if (problem?.Code is ErrorCode.UserDoesNotExist || (problem is { } refused && UniformAnswers.IsLockRefusal(refused)))
        {
            // Refused before any hashing: cost what a wrong secret costs, and answer as it does.
            var secrets = proof.Kind == PinResetProofKind.Otp ? [proof.Secret!.Value] : proof.Answers.Values.ToList();
            await UniformAnswers.HashLikeAWrongSecretAsync(grains, secrets);
            problem = new Problem(proof.Kind == PinResetProofKind.Otp ? ErrorCode.OtpInvalid : ErrorCode.SecurityAnswerIncorrect);
        }

        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsPosted"] = true });
    }

    /// <summary>
    /// <c>SecurityAnswer</c> / <c>SecurityQuestionAnswer</c>: <c>{"questionId": "answer"}</c>; null when absent.
    /// Question ids are 1 to 64 letters, digits, '_' or '-'; answers are text of at most 256 characters (empty removes, on update).
    /// </summary>
    public static Dictionary<string, Sensitive>? SecurityAnswers(JsonBody body, string field)
    {
        var value = body.Property(field);
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.Value.ValueKind != JsonValueKind.Object)
        {
            throw JsonBody.Invalid(field, $"The {field} field must be an object of answers by question id.");
        }

        var answers = new Dictionary<string, Sensitive>(StringComparer.Ordinal);
        foreach (var property in value.Value.EnumerateObject())
        {
            var id = property.Name.Trim();
            if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                throw LoginRadiusException.Of(Problem.Validation(field, "A security question id is 1 to 64 letters, digits, '_' or '-'."));
            }

            var answer = JsonBody.StringOf(property.Value, field) ?? "";
            answers[id] = answer.Length <= 256 ? new Sensitive(answer) : throw JsonBody.Invalid(field, "A security answer may not be longer than 256 characters.");
        }

        return answers;
    }

    private static string RequiredIdentifier(JsonBody body, IdentifierKind kind) => Required(body, kind switch
    {
        IdentifierKind.Email => "Email",
        IdentifierKind.UserName => "UserName",
        _ => "Phone",
    });

    private static string Required(JsonBody body, string field) =>
        body.String(field) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) && value.Length <= 256
            ? value.Trim()
            : throw JsonBody.Invalid(field, $"The {field} field is required (at most 256 characters).");
}
