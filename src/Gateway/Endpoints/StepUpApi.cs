using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Step-up (re-authentication) by PIN: the client proves the PIN again, the server checks the proof.</summary>
public static class StepUpApi
{
    public static IEndpointRouteBuilder MapStepUpApi(this IEndpointRouteBuilder app)
    {
        var stepUp = app.MapApiGroup("/identity/v2", "Step-up");
        stepUp.MapPut("/auth/account/reauth/pin", ReauthenticateAsync)
            .WithName("ReauthenticateByPin")
            .WithSummary("Re-checks the PIN of the access token's account; returns a short-lived SecondFactorValidationToken.")
            .WithDescription("Step-up: re-checks the PIN of the access token's account and returns a single-use `SecondFactorValidationToken` (5 minutes by default). Wrong PINs are 1236 and count toward the lockout.")
            .Refuses(ErrorCode.PinRequired, ErrorCode.InvalidPin, ErrorCode.PinNotAvailable, ErrorCode.UserDoesNotExist)
            .Raises(WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        stepUp.MapPost("/manage/account/{uid}/reauth/pin", ValidateAsync)
            .WithName("ValidateReauthenticationByPin")
            .WithSummary("Checks a SecondFactorValidationToken for a Uid (API secret): IsValid true once.")
            .WithDescription("Checks a `SecondFactorValidationToken` for a Uid: `{\"IsValid\": true}` once, for that account only; `false` when it is unknown, spent, expired or another account's.")
            .Refuses(ErrorCode.UidNotValid)
            .RefusesMalformed("SecondFactorValidationToken");
        return app;
    }

    /// <summary>The PIN to re-check.</summary>
    public sealed record Reauthentication(
        [property: Description("The account's PIN."), Example("1357")] string? PIN,
        [property: JsonPropertyName("access_token"), Description("The access token, when not in the header or query.")] string? AccessToken = null) : LockProofBody<Reauthentication>;

    /// <summary>The step-up token to check.</summary>
    public sealed record StepUpCheck(
        [property: Description("The token of `PUT /identity/v2/auth/account/reauth/pin` (missing: 908).")] string? SecondFactorValidationToken) : RequestBody<StepUpCheck>;

    /// <summary>The step-up token and its expiry.</summary>
    public sealed record StepUpToken(
        [property: Description("Single-use proof of the PIN, for `POST /identity/v2/manage/account/{uid}/reauth/pin`.")] string SecondFactorValidationToken,
        [property: Description("When it expires (ISO-8601 UTC).")] DateTimeOffset ExpireIn);

    /// <summary>Whether the token proves a PIN check of this account.</summary>
    public sealed record StepUpValidity([property: Description("True once for a live token of this Uid.")] bool IsValid);

    private static async Task<Results<Ok<StepUpToken>, Refusal>> ReauthenticateAsync(Tenant tenant, UserToken token, Reauthentication body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var pin = Fields.Pin(body.PIN, "PIN");
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        var proof = await captcha.ProofAsync(request, body.Json, tenant);

        var outcome = await grains.Reference<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).ReauthenticateWithPinAsync(tenant, pin, proof);
        return outcome.Problem is { } problem
            ? LoginRadiusJson.Error(problem)
            : TypedResults.Ok(new StepUpToken(outcome.Token!.Value.Value, outcome.ExpiresAt));
    }

    private static async Task<Ok<StepUpValidity>> ValidateAsync(TrustedTenant tenant, [Description(ManageAccountApi.UidNote)] string uid, StepUpCheck body, IGrainFactory grains)
    {
        var checkedUid = ManageAccountApi.CheckedUid(uid);
        var token = body.SecondFactorValidationToken is { Length: > 0 } value
            ? value
            : throw new LoginRadiusException(LoginRadiusError.MissingParameter("SecondFactorValidationToken"));
        var valid = SecretToken.KeyOf(token) is { } key
            && await grains.Reference<IStepUpTokenGrain>(key).ConsumeAsync(tenant.ApiKey, checkedUid);
        return TypedResults.Ok(new StepUpValidity(valid));
    }
}
