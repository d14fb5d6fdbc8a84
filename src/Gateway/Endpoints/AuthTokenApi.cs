using System.Text.Json.Nodes;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>What a client does with its tokens after login: validate, inspect, read the profile, log out.</summary>
public static class AuthTokenApi
{
    public static IEndpointRouteBuilder MapAuthTokenApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/identity/v2/auth").WithTags("Tokens");
        auth.MapGet("/access_token/validate", ValidateAsync)
            .WithName("ValidateAccessToken").WithSummary("Checks an access token; returns it with its expiry.");
        auth.MapGet("/access_token/invalidate", InvalidateAsync)
            .WithName("InvalidateAccessToken").WithSummary("Logs out: the access token (and with preventRefresh its refresh token) stops working.");
        auth.MapGet("/access_token", InfoAsync)
            .WithName("AccessTokenInfo").WithSummary("Information about an access token.");
        auth.MapGet("/account", ProfileAsync)
            .WithName("ProfileByAccessToken").WithSummary("The profile of the access token's account.");
        auth.MapGet("/session_token/invalidate", InvalidateSessionAsync)
            .WithName("InvalidatePinSessionToken").WithSummary("Ends a PIN session token everywhere.");
        return app;
    }

    private static async Task<IResult> ValidateAsync(HttpRequest request, IGrainFactory grains)
    {
        var (token, grant) = await LiveTokenAsync(request, grains);
        return LoginRadiusJson.Ok(new JsonObject { ["access_token"] = token, ["expires_in"] = LoginRadiusJson.Timestamp(grant.ExpiresAt) });
    }

    private static async Task<IResult> InvalidateAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var preventRefresh = bool.TryParse(ApiRequest.Query(request, "preventRefresh"), out var flag) && flag;
        var token = ApiRequest.AccessToken(request);
        var problem = await ApiRequest.LoginTokens(token, grains, ErrorCode.AccessTokenInvalid).InvalidateAccessAsync(tenant.ApiKey, new Sensitive(token), preventRefresh);
        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsPosted"] = true });
    }

    private static async Task<IResult> InfoAsync(HttpRequest request, IGrainFactory grains)
    {
        var (token, grant) = await LiveTokenAsync(request, grains);
        return LoginRadiusJson.Ok(new JsonObject
        {
            ["provider"] = "Email",
            ["access_token"] = token,
            ["expires_in"] = LoginRadiusJson.Timestamp(grant.ExpiresAt),
            ["isrememberme"] = false,
        });
    }

    private static async Task<IResult> ProfileAsync(HttpRequest request, IGrainFactory grains)
    {
        var (_, grant) = await LiveTokenAsync(request, grains);
        var outcome = await grains.GetGrain<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).GetProfileAsync();
        return outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : LoginRadiusJson.Ok(ProfileJson.Render(outcome.Profile!));
    }

    private static async Task<IResult> InvalidateSessionAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var session = SecretToken.KeyOf(ApiRequest.RequiredQuery(request, "session_token"));
        var problem = session is null
            ? new Problem(ErrorCode.SessionTokenInvalid)
            : await grains.GetGrain<IPinSessionGrain>(session).InvalidateAsync(tenant.ApiKey);
        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsPosted"] = true });
    }

    /// <summary>The request's access token, live and of the request's tenant, or the refusal.</summary>
    private static async Task<(string Token, TokenGrant Grant)> LiveTokenAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        return await ApiRequest.LiveAccessTokenAsync(ApiRequest.AccessToken(request), grains, tenant);
    }
}
