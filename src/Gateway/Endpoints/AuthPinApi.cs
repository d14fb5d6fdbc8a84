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

/// <summary>Managing one's own PIN: set it with a PINAuthToken, change it with an access token.</summary>
public static class AuthPinApi
{
    public static IEndpointRouteBuilder MapAuthPinApi(this IEndpointRouteBuilder app)
    {
        var pin = app.MapApiGroup("/identity/v2/auth/pin", "PIN");
        pin.MapPost("/set/pinauthtoken", SetByPinAuthTokenAsync)
            .WithName("SetPinByPinAuthToken").WithSummary("Sets the PIN with the PINAuthToken of a password login; returns tokens and a PIN session.")
            .WithDescription("Sets the PIN a password login asked for, with its single-use `PINAuthToken`; returns the Profile, tokens and a new PIN session. A PIN the tenant's PIN policy refuses (1134) does not spend the token.")
            .Refuses(ErrorCode.PinRequired, ErrorCode.PinAuthTokenInvalid, ErrorCode.PinAuthTokenExpired, ErrorCode.ValidationFailed, ErrorCode.UserDoesNotExist)
            .Raises(WebhookEvents.SetPIN);
        // The SDKs send PUT; LoginRadius' newer reference shows POST.
        pin.MapMethods("/change", [HttpMethods.Put, HttpMethods.Post], ChangeAsync)
            .WithName("ChangePinByAccessToken").WithSummary("Changes the PIN given the current one (access token).")
            .WithDescription("Changes the PIN of the access token's account given the current one. A wrong current PIN is 1241 and counts toward the lockout. The LoginRadius SDKs send PUT; LoginRadius' newer reference shows POST: both work.")
            .Refuses(ErrorCode.PinRequired, ErrorCode.CurrentPinInvalid, ErrorCode.PinNotAvailable, ErrorCode.UserDoesNotExist)
            .Raises(WebhookEvents.ChangePIN, WebhookEvents.BlockAccount, WebhookEvents.UnlockAccount);
        return app;
    }

    /// <summary>The PIN to set.</summary>
    public sealed record NewPin(
        [property: Description("The new PIN, as the tenant's PIN policy allows (length, digits only)."), Example("1357")] string? PIN) : RequestBody<NewPin>;

    /// <summary>The current and the new PIN.</summary>
    public sealed record PinChange(
        [property: Description("The current PIN."), Example("1357")] string? OldPIN,
        [property: Description("The new PIN, as the tenant's PIN policy allows."), Example("2468")] string? NewPIN,
        [property: JsonPropertyName("access_token"), Description("The access token, when not in the header or query.")] string? AccessToken = null) : LockProofBody<PinChange>;

    private static async Task<Results<Ok<LoginAnswer>, Refusal>> SetByPinAuthTokenAsync(
        Tenant tenant,
        [FromQuery(Name = "pinauthtoken"), Required, Description("The `PINAuthToken` of the password login (missing: 908; used or unknown: 1239; expired: 1240).")] string? pinAuthToken,
        NewPin body,
        IGrainFactory grains)
    {
        var pin = Fields.Pin(body.PIN, "PIN");
        var key = SecretToken.KeyOf(pinAuthToken!) ?? throw LoginRadiusException.Of(ErrorCode.PinAuthTokenInvalid);
        return AuthLoginApi.Render(await grains.Reference<IPinAuthTokenGrain>(key).SetPinAsync(tenant, pin));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> ChangeAsync(Tenant tenant, UserToken token, PinChange body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var oldPin = Fields.Pin(body.OldPIN, "OldPIN");
        var newPin = Fields.Pin(body.NewPIN, "NewPIN");
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        var proof = await captcha.ProofAsync(request, body.Json, tenant);

        var problem = await grains.Reference<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).ChangePinAsync(tenant, oldPin, newPin, proof, grant);
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }
}
