using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Self-service unlock, and the tenant's own settings (lockout, bot protection...) changed at runtime.</summary>
public static class LockoutApi
{
    public static IEndpointRouteBuilder MapLockoutApi(this IEndpointRouteBuilder app)
    {
        app.MapApiGroup("/identity/v2/auth/account", "Lockout").MapPut("/unlock", UnlockAsync)
            .WithName("UnlockAccountByToken")
            .WithSummary("Lifts a Captcha or SecurityQuestion lockout of the access token's account with a solved captcha or the security answer (1221 when not locked).")
            .WithDescription("Self-service unlock of the access token's account: a Captcha lockout with a captcha the provider accepts, a SecurityQuestion lockout with the right `securityanswer` (a wrong one is 1093 and counts). Suspensions (1198) end by themselves and blocks (991) need an administrator; an account that is not locked answers 1221.")
            .Refuses(ErrorCode.AccountAlreadyUnlocked, ErrorCode.UserDoesNotExist)
            .Raises(WebhookEvents.UnlockAccount);
        var settings = app.MapApiGroup("/pinorleans/v1/tenant/settings", "Tenant settings");
        settings.MapGet("", GetSettings)
            .WithName("GetTenantSettings")
            .WithSummary("The tenant's settings (API key and secret), secrets masked.")
            .WithDescription("The tenant's settings (PIN policy, lockout, tokens, recovery, security questions, bot protection, webhooks), secrets shown as `********`. Not a LoginRadius route: LoginRadius keeps these in its admin console.");
        settings.MapPut("", ChangeSettingsAsync)
            .WithName("ChangeTenantSettings")
            .WithSummary("Changes the tenant's settings with a JSON merge patch (API key and secret); answers the settings now in force.")
            .WithDescription("Changes the tenant's settings at runtime with a JSON merge patch (RFC 7396): only what is named changes, `null` restores a default, `********` keeps a secret. Settings that cannot work (unknown names, bad values, a Captcha lockout without a captcha provider) are 1134 and change nothing. Gateways see the change within `Gateway:TenantCacheSeconds`.")
            .Refuses(ErrorCode.ValidationFailed);
        return app;
    }

    /// <summary>What a lockout asks for: the security answers (SecurityQuestion lockout) and/or a captcha answer (also accepted in the query).</summary>
    [Example("""{"securityanswer": {"q1": "Springfield"}}""", IsJson = true)]
    public sealed record Unlock(
        [property: JsonPropertyName("access_token"), Description("The access token, when not in the header or query.")] string? AccessToken = null) : LockProofBody<Unlock>;

    private static async Task<Results<Ok<Posted>, Refusal>> UnlockAsync(Tenant tenant, UserToken token, Unlock? body, HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token.Value, grains, tenant);
        var proof = await captcha.ProofAsync(request, body!.Json, tenant);
        var problem = await grains.Reference<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).UnlockAsync(tenant, proof);
        return LoginRadiusJson.Answer(problem, Posted.Yes);
    }

    private static Ok<Settings> GetSettings(TrustedTenant tenant) => TypedResults.Ok(new Settings(tenant.Settings));

    private static Task<Results<Ok<Settings>, Refusal>> ChangeSettingsAsync(TrustedTenant tenant, MergePatch body, IGrainFactory grains) =>
        ApplySettingsPatchAsync(grains.Reference<ITenantGrain>(tenant.ApiKey), body);

    /// <summary>Applies a settings patch: the settings now in force, or 1134 naming what cannot work (nothing changed).</summary>
    internal static async Task<Results<Ok<Settings>, Refusal>> ApplySettingsPatchAsync(ITenantGrain tenant, MergePatch patch)
    {
        var change = await tenant.ChangeSettingsAsync(patch.Text);
        return change.Tenant is { } changed
            ? TypedResults.Ok(new Settings(changed.Settings))
            : LoginRadiusJson.Error(Problem.Validation("Settings", change.Error!));
    }
}
