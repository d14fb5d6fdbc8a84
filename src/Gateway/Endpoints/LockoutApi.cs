using System.Text.Json.Nodes;
using PinOrleans.Accounts;
using PinOrleans.Gateway.BotProtection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>Self-service unlock, and the tenant's own settings (lockout, bot protection...) changed at runtime.</summary>
public static class LockoutApi
{
    public static IEndpointRouteBuilder MapLockoutApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/identity/v2/auth/account/unlock", UnlockAsync)
            .WithName("UnlockAccountByToken").WithTags("Lockout")
            .WithSummary("Lifts a Captcha or SecurityQuestion lockout of the access token's account with a solved captcha or the security answer (1221 when not locked).");
        var settings = app.MapGroup("/pinorleans/v1/tenant/settings").WithTags("Tenant settings");
        settings.MapGet("", GetSettingsAsync)
            .WithName("GetTenantSettings").WithSummary("The tenant's settings (API key and secret), secrets masked.");
        settings.MapPut("", ChangeSettingsAsync)
            .WithName("ChangeTenantSettings").WithSummary("Changes the tenant's settings with a JSON merge patch (API key and secret); answers the settings now in force.");
        return app;
    }

    private static async Task<IResult> UnlockAsync(HttpRequest request, IGrainFactory grains, CaptchaVerifier captcha)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains);
        var body = await ApiRequest.BodyAsync(request);
        var token = ApiRequest.AccessToken(request, body);
        var (_, grant) = await ApiRequest.LiveAccessTokenAsync(token, grains, tenant);
        var proof = await captcha.ProofAsync(request, body, tenant);
        var problem = await grains.GetGrain<IUserGrain>(AccountKeys.User(grant.ApiKey, grant.Uid)).UnlockAsync(tenant, proof);
        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsPosted"] = true });
    }

    private static async Task<IResult> GetSettingsAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        return LoginRadiusJson.Ok(TenantSettingsJson.Render(tenant.Settings));
    }

    private static async Task<IResult> ChangeSettingsAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        var body = await ApiRequest.BodyAsync(request);
        var change = await grains.GetGrain<ITenantGrain>(tenant.ApiKey).ChangeSettingsAsync(body.Root.GetRawText());
        return change.Tenant is { } changed
            ? LoginRadiusJson.Ok(TenantSettingsJson.Render(changed.Settings))
            : LoginRadiusJson.Error(Problem.Validation("Settings", change.Error!));
    }
}
