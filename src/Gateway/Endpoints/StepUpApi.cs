using System.Text.Json.Nodes;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Step-up (re-authentication) by PIN: the client proves the PIN again, the server checks the proof.</summary>
public static class StepUpApi
{
    public static IEndpointRouteBuilder MapStepUpApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/identity/v2/auth/account/reauth/pin", ReauthenticateAsync)
            .WithName("ReauthenticateByPin").WithTags("Step-up")
            .WithSummary("Re-checks the PIN of the access token's account; returns a short-lived SecondFactorValidationToken.");
        app.MapPost("/identity/v2/manage/account/{uid}/reauth/pin", ValidateAsync)
            .WithName("ValidateReauthenticationByPin").WithTags("Step-up")
            .WithSummary("Checks a SecondFactorValidationToken for a Uid (API secret): IsValid true once.");
        return app;
    }

    private static async Task<IResult> ReauthenticateAsync(HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var body = await ApiRequest.BodyAsync(request);
        var token = ApiRequest.AccessToken(request, body);
        var pin = body.RequiredPin("PIN");
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token, grains, tenant);
        var proof = await captcha.ProofAsync(request, body, tenant);

        var outcome = await grains.GetGrain<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).ReauthenticateWithPinAsync(tenant, pin, proof);
        return outcome.Problem is { } problem
            ? LoginRadiusJson.Error(problem)
            : LoginRadiusJson.Ok(new JsonObject
            {
                ["SecondFactorValidationToken"] = outcome.Token!.Value.Value,
                ["ExpireIn"] = LoginRadiusJson.Timestamp(outcome.ExpiresAt),
            });
    }

    private static async Task<IResult> ValidateAsync(string uid, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var checkedUid = ManageAccountApi.CheckedUid(uid);
        var body = await ApiRequest.BodyAsync(request);
        var token = body.String("SecondFactorValidationToken") is { Length: > 0 } value
            ? value
            : throw new LoginRadiusException(LoginRadiusError.MissingParameter("SecondFactorValidationToken"));
        var valid = SecretToken.KeyOf(token) is { } key
            && await grains.GetGrain<IStepUpTokenGrain>(key).ConsumeAsync(tenant.ApiKey, checkedUid);
        return LoginRadiusJson.Ok(new JsonObject { ["IsValid"] = valid });
    }
}
