using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Hosting;

/// <summary>
/// <c>prevent_webhook=true</c> (query) or <c>X-PreventWebhook: true</c> (header): every grain call the request makes
/// carries the flag in its Orleans <see cref="RequestContext"/>, and no event of the request is recorded.
/// </summary>
public static class PreventWebhook
{
    public static WebApplication UsePreventWebhook(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            if (IsTrue(context.Request.Headers["X-PreventWebhook"]) || context.Request.Query.Any(q => string.Equals(q.Key, "prevent_webhook", StringComparison.OrdinalIgnoreCase) && IsTrue(q.Value)))
            {
                RequestContext.Set(WebhookEvents.PreventKey, true);
            }

            return next(context);
        });
        return app;
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Any(v => bool.TryParse(v?.Trim(), out var on) && on);
}
