using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Hosting;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// Whether an e-mail address, user name or phone number is taken (<c>GET auth/email?email=</c>, <c>auth/username</c>,
/// <c>auth/phone</c>). They tell existence by design; who may ask is the tenant's <c>Registration:AvailabilityChecks</c>,
/// and how often the <c>RateLimiting:Availability</c> window.
/// </summary>
public static class AvailabilityApi
{
    internal const string Note =
        " Who may ask is the tenant's `Registration:AvailabilityChecks`: by default (`Auto` with `UniformAnswers`) only a caller that sends the API secret too (missing 908, wrong 902); `Open` (LoginRadius' behaviour) anyone with the API key. At most `RateLimiting:Availability` checks per client and API key (20 a minute by default; over it 429).";

    public static IEndpointRouteBuilder MapAvailabilityApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapApiGroup("/identity/v2/auth", "Registration and verification");
        auth.MapGet("/username", (Tenant tenant, [FromQuery(Name = "username"), Required, Description("The user name to look for (missing: 908).")] string? userName, HttpRequest request, IGrainFactory grains) =>
                CheckAsync(tenant, IdentifierKind.UserName, userName!, request, grains))
            .WithName("CheckUserNameAvailability")
            .WithSummary("Whether this user name is taken: {IsExist}.")
            .WithDescription("`{\"IsExist\": true}` when an account has this user name." + Note)
            .Refuses(ErrorCode.ApiSecretUnauthorized)
            .RequireRateLimiting(RateLimiting.AvailabilityPolicy);
        auth.MapGet("/phone", (Tenant tenant, [FromQuery(Name = "phone"), Required, Description("The phone number to look for (missing: 908).")] string? phone, HttpRequest request, IGrainFactory grains) =>
                CheckAsync(tenant, IdentifierKind.Phone, phone!, request, grains))
            .WithName("CheckPhoneAvailability")
            .WithSummary("Whether this phone number is taken: {IsExist}.")
            .WithDescription("`{\"IsExist\": true}` when an account has this phone number." + Note)
            .Refuses(ErrorCode.ApiSecretUnauthorized)
            .RequireRateLimiting(RateLimiting.AvailabilityPolicy);
        return app;
    }

    /// <summary><c>{"IsExist": true}</c> when the identifier belongs to an account.</summary>
    public sealed record Availability([property: Description("Whether an account has this identifier.")] bool IsExist);

    private static async Task<Results<Ok<Availability>, Refusal>> CheckAsync(TenantSnapshot tenant, IdentifierKind kind, string value, HttpRequest request, IGrainFactory grains) =>
        TypedResults.Ok(await AvailabilityOfAsync(tenant, kind, value, request, grains));

    /// <summary>Whether <paramref name="value"/> is taken, after the secret the tenant's setting asks for (908/902 thrown).</summary>
    internal static async Task<Availability> AvailabilityOfAsync(TenantSnapshot tenant, IdentifierKind kind, string value, HttpRequest request, IGrainFactory grains)
    {
        if (tenant.Settings.Registration.AvailabilityNeedsSecret(tenant.Settings.UniformAnswers))
        {
            await ApiRequest.TenantAsync(request, grains, requireSecret: true);
        }

        var owner = await grains.Reference<IIdentifierGrain>(AccountKeys.Identifier(tenant.ApiKey, kind, value)).ResolveAsync();
        return new Availability(owner is not null);
    }
}
