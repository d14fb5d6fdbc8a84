using System.Text.Json.Nodes;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>First-level (password) and second-level (PIN) login, <c>/identity/v2/auth/login</c>.</summary>
public static class AuthLoginApi
{
    private const int MaxIdentifierLength = 256;

    public static IEndpointRouteBuilder MapAuthLoginApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/identity/v2/auth").WithTags("Authentication");
        auth.MapPost("/login", LoginByPasswordAsync)
            .WithName("LoginByPassword")
            .WithSummary("Log in with email, username or phone and password; returns access, refresh and PIN session tokens.");
        auth.MapPost("/login/pin", LoginByPinAsync)
            .WithName("LoginByPin")
            .WithSummary("Log in with a PIN and a PIN session token.");
        return app;
    }

    private static async Task<IResult> LoginByPasswordAsync(HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var body = await ApiRequest.BodyAsync(request);
        var (kind, identifier) = ReadIdentifier(body);
        var password = body.String("password");
        if (string.IsNullOrEmpty(password))
        {
            throw JsonBody.Invalid("password", "The password field is required.");
        }

        var proof = await captcha.ProofAsync(request, body, tenant);
        var index = grains.GetGrain<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, identifier));
        var outcome = await index.LoginWithPasswordAsync(tenant, new Sensitive(password), proof, request.HttpContext.RequestAborted);
        if (tenant.Settings.UniformAnswers && outcome.Problem?.Code is ErrorCode.AccountSuspended or ErrorCode.AccountBlocked)
        {
            // A suspended or blocked account answers as a wrong password does (after the same hash), so locking an
            // account with guesses does not tell whether it exists. Its holder learns of the lock at PIN login.
            await UniformAnswers.HashLikeAWrongSecretAsync(grains, [new Sensitive(password)]);
            outcome = LoginOutcome.Fail(new Problem(ErrorCode.InvalidCredentials));
        }

        return Render(outcome);
    }

    private static async Task<IResult> LoginByPinAsync(HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var sessionToken = ApiRequest.RequiredQuery(request, "session_token");
        var body = await ApiRequest.BodyAsync(request);
        var pin = body.RequiredPin("pin");
        var proof = await captcha.ProofAsync(request, body, tenant, pinLogin: true);

        if (SecretToken.KeyOf(sessionToken) is not { } sessionKey)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.SessionTokenInvalid));
        }

        var outcome = await grains.GetGrain<IPinSessionGrain>(sessionKey).LoginWithPinAsync(tenant, pin, proof, request.HttpContext.RequestAborted);
        return Render(outcome);
    }

    /// <summary>A login answer; with a PIN to set, <c>PINAuthToken</c> too (and, when the PIN is mandatory, no tokens).</summary>
    internal static IResult Render(LoginOutcome outcome)
    {
        if (outcome.Problem is { } problem)
        {
            return LoginRadiusJson.Error(problem);
        }

        var json = outcome.Tokens is { } tokens ? ProfileJson.Login(outcome.Profile!, tokens) : new JsonObject { ["Profile"] = ProfileJson.Render(outcome.Profile!) };
        if (outcome.PinAuthToken is { } pinAuthToken)
        {
            json["PINAuthToken"] = pinAuthToken.Value;
        }

        return LoginRadiusJson.Ok(json);
    }

    private static (IdentifierKind Kind, string Value) ReadIdentifier(JsonBody body)
    {
        foreach (var (kind, field) in ApiRequest.Identifiers)
        {
            if (body.String(field) is { Length: > 0 } value)
            {
                return value.Length <= MaxIdentifierLength ? (kind, value) : throw JsonBody.Invalid(field, $"The {field} field is too long.");
            }
        }

        throw JsonBody.Invalid("email", "The email field is required.");
    }
}
