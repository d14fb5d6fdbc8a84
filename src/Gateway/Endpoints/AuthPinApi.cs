using System.Text.Json.Nodes;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Managing one's own PIN: set it with a PINAuthToken, change it with an access token.</summary>
public static class AuthPinApi
{
    public static IEndpointRouteBuilder MapAuthPinApi(this IEndpointRouteBuilder app)
    {
        var pin = app.MapGroup("/identity/v2/auth/pin").WithTags("PIN");
        pin.MapPost("/set/pinauthtoken", SetByPinAuthTokenAsync)
            .WithName("SetPinByPinAuthToken").WithSummary("Sets the PIN with the PINAuthToken of a password login; returns tokens and a PIN session.");
        // The SDKs send PUT; LoginRadius' newer reference shows POST.
        pin.MapMethods("/change", [HttpMethods.Put, HttpMethods.Post], ChangeAsync)
            .WithName("ChangePinByAccessToken").WithSummary("Changes the PIN given the current one (access token).");
        return app;
    }

    private static async Task<IResult> SetByPinAuthTokenAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var token = ApiRequest.RequiredQuery(request, "pinauthtoken");
        var body = await ApiRequest.BodyAsync(request);
        var pin = body.RequiredPin("PIN");
        var key = SecretToken.KeyOf(token) ?? throw LoginRadiusException.Of(ErrorCode.PinAuthTokenInvalid);
        return AuthLoginApi.Render(await grains.GetGrain<IPinAuthTokenGrain>(key).SetPinAsync(tenant, pin));
    }

    private static async Task<IResult> ChangeAsync(HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var body = await ApiRequest.BodyAsync(request);
        var token = ApiRequest.AccessToken(request, body);
        var oldPin = body.RequiredPin("OldPIN");
        var newPin = body.RequiredPin("NewPIN");
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token, grains, tenant);
        var proof = await captcha.ProofAsync(request, body, tenant);

        var problem = await grains.GetGrain<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).ChangePinAsync(tenant, oldPin, newPin, proof, grant);
        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsPosted"] = true });
    }
}
