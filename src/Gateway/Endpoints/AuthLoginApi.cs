using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>First-level (password) and second-level (PIN) login, <c>/identity/v2/auth/login</c>.</summary>
public static class AuthLoginApi
{
    private const int MaxIdentifierLength = 256;

    public static IEndpointRouteBuilder MapAuthLoginApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapApiGroup("/identity/v2/auth", "Authentication");
        auth.MapPost("/login", LoginByPasswordAsync)
            .WithName("LoginByPassword")
            .WithSummary("Log in with email, username or phone and password; returns access, refresh and PIN session tokens.")
            .WithDescription("First-level login with `email`, `username` or `phone` and `password`. With a PIN set (or none asked for) the answer is the Profile, access and refresh tokens, and a PIN `session_token` for later PIN logins. When the tenant asks for a PIN the account does not have, the answer also carries a single-use `PINAuthToken` (for `POST /identity/v2/auth/pin/set/pinauthtoken`); when the PIN is mandatory (`Pin:IsRequired`) it carries only the Profile and the `PINAuthToken`. A wrong password is 966 and counts toward the lockout.")
            .Refuses(ErrorCode.InvalidCredentials)
            .Raises(WebhookEvents.Login, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        auth.MapPost("/login/pin", LoginByPinAsync)
            .WithName("LoginByPin")
            .WithSummary("Log in with a PIN and a PIN session token.")
            .WithDescription("Second-level login: the PIN of the account whose PIN `session_token` is given. A wrong PIN is 1236 and counts toward the lockout; a locked account answers what its lockout type asks for (1198, 1132, 1148, 991). With `BotProtection:RequireOnPinLogin` every PIN login needs a captcha answer.")
            .Refuses(ErrorCode.PinRequired, ErrorCode.InvalidPin, ErrorCode.PinNotAvailable, ErrorCode.PinLoginNotEnabled, ErrorCode.SessionTokenInvalid, ErrorCode.SessionTokenExpired)
            .Raises(WebhookEvents.Login, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        return app;
    }

    /// <summary>A password login: one identifier (<c>email</c>, <c>username</c> or <c>phone</c>) and the password.</summary>
    public sealed record PasswordLogin(
        [property: JsonPropertyName("password"), Description("The password."), Example("correct-horse-42")] string? Password,
        [property: JsonPropertyName("email"), Description("The account's e-mail address."), Example("jane@example.com")] string? Email = null,
        [property: JsonPropertyName("username"), Description("The account's user name, instead of `email`.")] string? UserName = null,
        [property: JsonPropertyName("phone"), Description("The account's phone number (`PhoneId`), instead of `email`.")] string? Phone = null) : LockProofBody<PasswordLogin>
    {
        public (IdentifierKind Kind, string Value) Identifier()
        {
            foreach (var (kind, field, value) in new[] { (IdentifierKind.Email, "email", Email), (IdentifierKind.UserName, "username", UserName), (IdentifierKind.Phone, "phone", Phone) })
            {
                if (value is { Length: > 0 })
                {
                    return value.Length <= MaxIdentifierLength ? (kind, value) : throw JsonBody.Invalid(field, $"The {field} field is too long.");
                }
            }

            throw JsonBody.Invalid("email", "The email field is required.");
        }
    }

    /// <summary>A PIN login's body.</summary>
    public sealed record PinLogin(
        [property: JsonPropertyName("pin"), Description("The PIN (any key casing; digits may be sent as a JSON number). Missing: 1234; longer than 64 characters: 1134."), Example("1234")] string? Pin) : LockProofBody<PinLogin>;

    private static async Task<Results<Ok<LoginAnswer>, Refusal>> LoginByPasswordAsync(Tenant tenant, PasswordLogin body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var (kind, identifier) = body.Identifier();
        var password = new Sensitive(Fields.Required(body.Password, "password"));
        var proof = await captcha.ProofAsync(request, body.Json, tenant);
        var index = grains.Reference<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, identifier));
        var outcome = await index.LoginWithPasswordAsync(tenant, password, proof, request.HttpContext.RequestAborted);
        if (tenant.Settings.UniformAnswers && outcome.Problem?.Code is ErrorCode.AccountSuspended or ErrorCode.AccountBlocked)
        {
            // A suspended or blocked account answers as a wrong password does (after the same hash), so locking an
            // account with guesses does not tell whether it exists. Its holder learns of the lock at PIN login.
            await UniformAnswers.HashLikeAWrongSecretAsync(grains, [password]);
            outcome = LoginOutcome.Fail(new Problem(ErrorCode.InvalidCredentials));
        }

        return Render(outcome);
    }

    private static async Task<Results<Ok<LoginAnswer>, Refusal>> LoginByPinAsync(
        Tenant tenant,
        [FromQuery(Name = "session_token"), Required, Description("The PIN session token of a password login or of setting the PIN (missing: 908; unknown or ended: 1245; expired: 1246).")] string? sessionToken,
        PinLogin body,
        HttpRequest request,
        IGrainFactory grains,
        CaptchaVerifier captcha)
    {
        var pin = Fields.Pin(body.Pin, "pin");
        var proof = await captcha.ProofAsync(request, body.Json, tenant, pinLogin: true);
        if (SecretToken.KeyOf(sessionToken!) is not { } sessionKey)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.SessionTokenInvalid));
        }

        var outcome = await grains.Reference<IPinSessionGrain>(sessionKey).LoginWithPinAsync(tenant, pin, proof, request.HttpContext.RequestAborted);
        return Render(outcome);
    }

    /// <summary>A login answer; with a PIN to set, <c>PINAuthToken</c> too (and, when the PIN is mandatory, no tokens).</summary>
    internal static Results<Ok<LoginAnswer>, Refusal> Render(LoginOutcome outcome) =>
        outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : TypedResults.Ok(LoginAnswer.Of(outcome));
}
