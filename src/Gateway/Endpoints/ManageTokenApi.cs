using System.Text.Json.Nodes;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Token operations that need the API secret: refresh (rotating), revoke, and tokens for a Uid.</summary>
public static class ManageTokenApi
{
    public static IEndpointRouteBuilder MapManageTokenApi(this IEndpointRouteBuilder app)
    {
        var tokens = app.MapGroup("/identity/v2/manage/account/access_token").WithTags("Token management");
        tokens.MapGet("/refresh", RefreshAsync)
            .WithName("RefreshAccessToken").WithSummary("New access and refresh tokens; the presented refresh token is spent, and reusing it revokes its family.");
        tokens.MapGet("/refresh/revoke", RevokeAsync)
            .WithName("RevokeRefreshToken").WithSummary("The refresh token stops working (its access token lives until it expires).");
        app.MapDelete("/identity/v2/manage/account/{uid}/access_token/refresh/revoke", RevokeAllAsync)
            .WithName("RevokeAllRefreshTokens").WithTags("Token management")
            .WithSummary("Every refresh token of the account stops working; its access tokens live until they expire.");
        tokens.MapGet("", ForUidAsync)
            .WithName("AccessTokenByUid").WithSummary("Access and refresh tokens for an account, without its credentials.");
        return app;
    }

    private static async Task<IResult> RefreshAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var token = ApiRequest.RequiredQuery(request, "refresh_token");
        var outcome = await ApiRequest.LoginTokens(token, grains, ErrorCode.RefreshTokenInvalid).RefreshAsync(tenant, new Sensitive(token));
        return Render(outcome);
    }

    private static async Task<IResult> RevokeAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var token = ApiRequest.RequiredQuery(request, "refresh_token");
        var problem = await ApiRequest.LoginTokens(token, grains, ErrorCode.RefreshTokenInvalid).RevokeRefreshAsync(tenant.ApiKey, new Sensitive(token));
        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsDeleted"] = true });
    }

    private static async Task<IResult> RevokeAllAsync(string uid, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var problem = await ManageAccountApi.UserGrain(tenant.ApiKey, uid, grains).RevokeAllRefreshTokensAsync();
        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsDeleted"] = true });
    }

    private static async Task<IResult> ForUidAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var uid = ApiRequest.RequiredQuery(request, "uid");
        return Render(await ManageAccountApi.UserGrain(tenant.ApiKey, uid, grains).IssueTokensAsync(tenant));
    }

    private static IResult Render(LoginOutcome outcome) =>
        outcome.Problem is { } problem
            ? LoginRadiusJson.Error(problem)
            : LoginRadiusJson.Ok(new JsonObject
            {
                ["access_token"] = outcome.Tokens!.AccessToken,
                ["refresh_token"] = outcome.Tokens.RefreshToken,
                ["expires_in"] = LoginRadiusJson.Timestamp(outcome.Tokens.ExpiresIn),
            });
}
