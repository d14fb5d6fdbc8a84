using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Token operations that need the API secret: refresh (rotating), revoke, and tokens for a Uid.</summary>
public static class ManageTokenApi
{
    public static IEndpointRouteBuilder MapManageTokenApi(this IEndpointRouteBuilder app)
    {
        var account = app.MapApiGroup("/identity/v2/manage/account", "Token management");
        account.MapGet("/access_token/refresh", RefreshAsync)
            .WithName("RefreshAccessToken").WithSummary("New access and refresh tokens; the presented refresh token is spent, and reusing it revokes its family.")
            .WithDescription("New access and refresh tokens for a refresh token. The presented refresh token is spent: presenting it again is reuse (a copied token) and revokes every token of that login (1217).")
            .Refuses(ErrorCode.RefreshTokenInvalid);
        account.MapGet("/access_token/refresh/revoke", RevokeAsync)
            .WithName("RevokeRefreshToken").WithSummary("The refresh token stops working (its access token lives until it expires).")
            .WithDescription("The refresh token stops working; its access token lives until it expires.")
            .Refuses(ErrorCode.RefreshTokenInvalid);
        account.MapDelete("/{uid}/access_token/refresh/revoke", RevokeAllAsync)
            .WithName("RevokeAllRefreshTokens")
            .WithSummary("Every refresh token of the account stops working; its access tokens live until they expire.")
            .WithDescription("Every refresh token of the account stops working; its access tokens live until they expire.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist);
        account.MapGet("/access_token", ForUidAsync)
            .WithName("AccessTokenByUid").WithSummary("Access and refresh tokens for an account, without its credentials.")
            .WithDescription("Access and refresh tokens for an account, without its credentials.")
            .Refuses(ErrorCode.UidNotValid, ErrorCode.UserDoesNotExist, ErrorCode.AccountBlocked);
        return app;
    }

    private static async Task<Results<Ok<TokenPair>, Refusal>> RefreshAsync(
        TrustedTenant tenant,
        [FromQuery(Name = "refresh_token"), Required, Description("The refresh token (any casing of the key; missing: 908; invalid, spent, revoked or expired: 1217).")] string? refreshToken,
        IGrainFactory grains) =>
        Render(await ApiRequest.LoginTokens(refreshToken!, grains, ErrorCode.RefreshTokenInvalid).RefreshAsync(tenant, new Sensitive(refreshToken!)));

    private static async Task<Results<Ok<Deleted>, Refusal>> RevokeAsync(
        TrustedTenant tenant,
        [FromQuery(Name = "refresh_token"), Required, Description("The refresh token to revoke (missing: 908; invalid: 1217).")] string? refreshToken,
        IGrainFactory grains)
    {
        var problem = await ApiRequest.LoginTokens(refreshToken!, grains, ErrorCode.RefreshTokenInvalid).RevokeRefreshAsync(tenant.ApiKey, new Sensitive(refreshToken!));
        return LoginRadiusJson.Answer(problem, Deleted.Yes);
    }

    private static async Task<Results<Ok<Deleted>, Refusal>> RevokeAllAsync(TrustedTenant tenant, [Description(ManageAccountApi.UidNote)] string uid, IGrainFactory grains)
    {
        var problem = await ManageAccountApi.UserGrain(tenant.ApiKey, uid, grains).RevokeAllRefreshTokensAsync();
        return LoginRadiusJson.Answer(problem, Deleted.Yes);
    }

    private static async Task<Results<Ok<TokenPair>, Refusal>> ForUidAsync(
        TrustedTenant tenant,
        [FromQuery(Name = "uid"), Required, Description("The account's Uid (missing: 908; malformed: 1200).")] string? uid,
        IGrainFactory grains) =>
        Render(await ManageAccountApi.UserGrain(tenant.ApiKey, uid!, grains).IssueTokensAsync(tenant));

    private static Results<Ok<TokenPair>, Refusal> Render(LoginOutcome outcome) =>
        outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : TypedResults.Ok(TokenPair.Of(outcome.Tokens!));
}
