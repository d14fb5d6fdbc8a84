using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Wire;
using PinOrleans.Sessions;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>What a client does with its tokens after login: validate, inspect, read the profile, log out.</summary>
public static class AuthTokenApi
{
    public static IEndpointRouteBuilder MapAuthTokenApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapApiGroup("/identity/v2/auth", "Tokens");
        auth.MapGet("/access_token/validate", ValidateAsync)
            .WithName("ValidateAccessToken").WithSummary("Checks an access token; returns it with its expiry.")
            .WithDescription("Checks that an access token is live (not expired, revoked, or of a deleted or blocked account) and returns it with its expiry.");
        auth.MapGet("/access_token/invalidate", InvalidateAsync)
            .WithName("InvalidateAccessToken").WithSummary("Logs out: the access token (and with preventRefresh its refresh token) stops working.")
            .WithDescription("Logs out: the access token stops working at once; with `preventRefresh=true` its refresh token too.");
        auth.MapGet("/access_token", InfoAsync)
            .WithName("AccessTokenInfo").WithSummary("Information about an access token.")
            .WithDescription("Information about a live access token: its provider and expiry.");
        auth.MapGet("/account", ProfileAsync)
            .WithName("ProfileByAccessToken").WithSummary("The profile of the access token's account.")
            .WithDescription("The profile of the access token's account.")
            .Refuses(ErrorCode.UserDoesNotExist);
        auth.MapGet("/session_token/invalidate", InvalidateSessionAsync)
            .WithName("InvalidatePinSessionToken").WithSummary("Ends a PIN session token everywhere.")
            .WithDescription("Ends a PIN session: its `session_token` no longer lets the PIN stand in for the password.")
            .Refuses(ErrorCode.SessionTokenInvalid);
        return app;
    }

    /// <summary>A live access token and when it expires.</summary>
    public sealed record TokenValidity(
        [property: JsonPropertyName("access_token"), Description("The access token.")] string AccessToken,
        [property: JsonPropertyName("expires_in"), Description("When it expires (ISO-8601 UTC).")] DateTimeOffset ExpiresIn);

    /// <summary>What is known of a live access token.</summary>
    public sealed record TokenInfo(
        [property: JsonPropertyName("provider"), Description("Always `Email`.")] string Provider,
        [property: JsonPropertyName("access_token"), Description("The access token.")] string AccessToken,
        [property: JsonPropertyName("expires_in"), Description("When it expires (ISO-8601 UTC).")] DateTimeOffset ExpiresIn,
        [property: JsonPropertyName("isrememberme"), Description("Always false.")] bool IsRememberMe);

    private static async Task<Ok<TokenValidity>> ValidateAsync(Tenant tenant, UserToken token, IGrainFactory grains)
    {
        var (value, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        return TypedResults.Ok(new TokenValidity(value, grant.ExpiresAt));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> InvalidateAsync(
        Tenant tenant,
        UserToken token,
        [FromQuery(Name = "preventRefresh"), Description("`true`: the access token's refresh token stops working as well.")] string? preventRefresh,
        IGrainFactory grains)
    {
        var alsoRefresh = bool.TryParse(preventRefresh, out var flag) && flag;
        var problem = await ApiRequest.LoginTokens(token.Value, grains, ErrorCode.AccessTokenInvalid).InvalidateAccessAsync(tenant.ApiKey, new Sensitive(token.Value), alsoRefresh);
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }

    private static async Task<Ok<TokenInfo>> InfoAsync(Tenant tenant, UserToken token, IGrainFactory grains)
    {
        var (value, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        return TypedResults.Ok(new TokenInfo("Email", value, grant.ExpiresAt, false));
    }

    private static async Task<Results<Ok<Profile>, Refusal>> ProfileAsync(Tenant tenant, UserToken token, IGrainFactory grains)
    {
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        return ManageAccountApi.Render(await grains.Reference<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).GetProfileAsync());
    }

    private static async Task<Results<Ok<Posted>, Refusal>> InvalidateSessionAsync(
        Tenant tenant,
        [FromQuery(Name = "session_token"), Required, Description("The PIN session token to end (missing: 908; unknown or already ended: 1245).")] string? sessionToken,
        IGrainFactory grains)
    {
        var problem = SecretToken.KeyOf(sessionToken!) is { } session
            ? await grains.Reference<IPinSessionGrain>(session).InvalidateAsync(tenant.ApiKey)
            : new Problem(ErrorCode.SessionTokenInvalid);
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }
}
