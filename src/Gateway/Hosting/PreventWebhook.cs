using Microsoft.Extensions.Primitives;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Hosting;

/// <summary>
/// <c>prevent_webhook=true</c> (query) or <c>X-PreventWebhook: true</c> (header): every grain call the request makes
/// carries the flag in its Orleans <see cref="RequestContext"/>, and the request's own events are not recorded. Lock,
/// unlock and credential-change events (<see cref="WebhookEvents.Security"/>) are suppressed only when the request
/// also carries the tenant's API secret and it matches: the gateway checks it here and only then sets
/// <see cref="WebhookEvents.SecretVerifiedKey"/>.
/// </summary>
public static class PreventWebhook
{
    public static WebApplication UsePreventWebhook(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (IsTrue(request.Headers["X-PreventWebhook"]) || request.Query.Any(q => string.Equals(q.Key, "prevent_webhook", StringComparison.OrdinalIgnoreCase) && IsTrue(q.Value)))
            {
                RequestContext.Set(WebhookEvents.PreventKey, true);
                if (await SecretVerifiedAsync(request) is { } verifiedFor)
                {
                    // The tenant whose secret it is: it silences security events of that tenant only.
                    RequestContext.Set(WebhookEvents.SecretVerifiedKey, verifiedFor);
                }
            }

            await next(context);
        });
        return app;
    }

    /// <summary>
    /// The API key whose secret the request carries, when the tenant grain confirms it (in constant time); the key is
    /// read as the routes read it (query first), so a request cannot name one tenant to the route and another here.
    /// </summary>
    private static async Task<string?> SecretVerifiedAsync(HttpRequest request)
    {
        var apiKey = Wire.ApiRequest.Query(request, "apikey") ?? First(request.Headers["X-LoginRadius-ApiKey"]);
        var secret = First(request.Headers["X-LoginRadius-ApiSecret"]) ?? Wire.ApiRequest.Query(request, "apisecret");
        if (secret is null || !Guid.TryParse(apiKey, out var key))
        {
            return null;
        }

        var grains = request.HttpContext.RequestServices.GetRequiredService<IGrainFactory>();
        var access = await grains.Reference<ITenantGrain>(key.ToString("D")).AuthorizeAsync(new Sensitive(secret), requireSecret: true);
        return access.Problem is null ? key.ToString("D") : null;
    }

    private static string? First(StringValues values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    private static bool IsTrue(StringValues values) =>
        values.Any(v => bool.TryParse(v?.Trim(), out var on) && on);
}
