using System.Text.Json;
using System.Text.Json.Nodes;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tenants;
using PinOrleans.Webhooks;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// Webhook subscriptions, <c>/v2/manage/webhooks</c> (API key and secret, in the query as the Node SDK sends them or
/// in headers), plus each subscription's dead-letter list and redelivery. The singular <c>/v2/manage/webhook</c>
/// some LoginRadius pages use is served too.
/// </summary>
public static class WebhooksApi
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        foreach (var root in new[] { "/v2/manage/webhooks", "/v2/manage/webhook" })
        {
            var hooks = app.MapGroup(root).WithTags("Webhooks");
            var suffix = root.EndsWith('s') ? "" : "Singular";
            hooks.MapPost("", CreateAsync).WithName("CreateWebhook" + suffix).WithSummary("Subscribes a target URL to an event.");
            hooks.MapGet("", ListAsync).WithName("ListWebhooks" + suffix).WithSummary("The tenant's subscriptions: {Data, Count}.");
            hooks.MapGet("/events", EventsAsync).WithName("ListWebhookEvents" + suffix).WithSummary("The events one can subscribe to.");
            hooks.MapGet("/{hookId}", GetAsync).WithName("GetWebhook" + suffix).WithSummary("One subscription (1112 when there is none).");
            hooks.MapPut("/{hookId}", UpdateAsync).WithName("UpdateWebhook" + suffix).WithSummary("Replaces a subscription.");
            hooks.MapDelete("/{hookId}", DeleteAsync).WithName("DeleteWebhook" + suffix).WithSummary("Unsubscribes: {\"IsDeleted\": true}.");
            hooks.MapGet("/{hookId}/deliveries", DeliveriesAsync).WithName("ListWebhookDeadLetters" + suffix)
                .WithSummary("Deliveries that used up their attempts (dead letters), newest last.");
            hooks.MapPost("/{hookId}/deliveries/{eventId}/redeliver", RedeliverAsync).WithName("RedeliverWebhook" + suffix)
                .WithSummary("Hands a dead letter back for delivery with fresh attempts: {\"IsPosted\": true}.");
        }

        return app;
    }

    private static Task<TenantSnapshot> TenantAsync(HttpRequest request, IGrainFactory grains) => ApiRequest.TenantAsync(request, grains, requireSecret: true);

    private static async Task<IResult> CreateAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await TenantAsync(request, grains);
        var subscription = Read(await ApiRequest.BodyAsync(request)) with { Id = "" };
        return Answer(await grains.GetGrain<ITenantGrain>(tenant.ApiKey).SaveWebhookAsync(subscription), showSigningKey: true);
    }

    private static async Task<IResult> UpdateAsync(string hookId, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await TenantAsync(request, grains);
        var subscription = Read(await ApiRequest.BodyAsync(request)) with { Id = hookId.Trim() };
        if (subscription.Id.Length == 0)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.WebhookNotSubscribed));
        }

        return Answer(await grains.GetGrain<ITenantGrain>(tenant.ApiKey).SaveWebhookAsync(subscription));
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IGrainFactory grains)
    {
        var tenant = await TenantAsync(request, grains);
        var all = tenant.Settings.Webhooks.Subscriptions.OrderBy(s => s.CreatedDate).Select(s => (JsonNode)Render(s)).ToArray();
        return LoginRadiusJson.Ok(new JsonObject { ["Data"] = new JsonArray(all), ["Count"] = all.Length });
    }

    private static async Task<IResult> EventsAsync(HttpRequest request, IGrainFactory grains)
    {
        await TenantAsync(request, grains);
        var events = WebhookEvents.All.Select(e => (JsonNode)JsonValue.Create(e)).ToArray();
        return LoginRadiusJson.Ok(new JsonObject { ["Data"] = new JsonArray(events), ["Count"] = events.Length });
    }

    private static async Task<IResult> GetAsync(string hookId, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await TenantAsync(request, grains);
        return Find(tenant, hookId) is { } found ? LoginRadiusJson.Ok(Render(found)) : LoginRadiusJson.Error(new Problem(ErrorCode.WebhookNotSubscribed));
    }

    private static async Task<IResult> DeleteAsync(string hookId, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await TenantAsync(request, grains);
        var problem = await grains.GetGrain<ITenantGrain>(tenant.ApiKey).DeleteWebhookAsync(hookId.Trim());
        return LoginRadiusJson.Answer(problem, new JsonObject { ["IsDeleted"] = true });
    }

    private static async Task<IResult> DeliveriesAsync(string hookId, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await TenantAsync(request, grains);
        if (Find(tenant, hookId) is not { } found)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.WebhookNotSubscribed));
        }

        var letters = await grains.GetGrain<IWebhookLogGrain>($"{tenant.ApiKey}/{found.Id}").ListAsync();
        var data = letters.Select(l => (JsonNode)new JsonObject
        {
            ["HookId"] = l.Delivery.EventId,
            ["Event"] = l.Delivery.Event,
            ["Status"] = "DeadLetter",
            ["Attempts"] = l.Attempts,
            ["LastError"] = l.LastError,
            ["FailedAt"] = LoginRadiusJson.Timestamp(l.FailedAt),
            ["Payload"] = JsonNode.Parse(l.Delivery.Body),
        }).ToArray();
        return LoginRadiusJson.Ok(new JsonObject { ["Data"] = new JsonArray(data), ["Count"] = data.Length });
    }

    private static async Task<IResult> RedeliverAsync(string hookId, string eventId, HttpRequest request, IGrainFactory grains)
    {
        var tenant = await TenantAsync(request, grains);
        if (Find(tenant, hookId) is not { } found)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.WebhookNotSubscribed));
        }

        var redelivered = await grains.GetGrain<IWebhookLogGrain>($"{tenant.ApiKey}/{found.Id}").RedeliverAsync(eventId.Trim());
        return redelivered
            ? LoginRadiusJson.Ok(new JsonObject { ["IsPosted"] = true })
            : LoginRadiusJson.Error(Problem.Validation("eventId", "There is no dead letter with this HookId for this subscription."));
    }

    private static WebhookSubscription? Find(TenantSnapshot tenant, string hookId) =>
        tenant.Settings.Webhooks.Subscriptions.FirstOrDefault(s => string.Equals(s.Id, hookId.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The saved subscription; its new signing key only in the answer that created it (shown once).</summary>
    private static IResult Answer(WebhookOutcome outcome, bool showSigningKey = false) =>
        outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : LoginRadiusJson.Ok(Render(outcome.Subscription!, showSigningKey));

    /// <summary>
    /// The body of a create or update: <c>Event</c>, <c>TargetUrl</c>, <c>Name</c>, <c>Headers</c>, <c>QueryParams</c>,
    /// <c>Authentication</c>, <c>SignWithApiSecret</c>. A signing key is never taken from the caller: the service makes it.
    /// </summary>
    private static WebhookSubscription Read(JsonBody body)
    {
        try
        {
            var subscription = body.Root.Deserialize<WebhookSubscription>(Options) ?? new WebhookSubscription();
            return subscription with
            {
                Event = subscription.Event?.Trim() ?? "",
                TargetUrl = subscription.TargetUrl?.Trim() ?? "",
                Name = subscription.Name?.Trim() ?? "",
                Headers = subscription.Headers ?? [],
                QueryParams = subscription.QueryParams ?? [],
                SigningKey = null,
            };
        }
        catch (JsonException e)
        {
            throw JsonBody.Invalid(e.Path?.TrimStart('$', '.') is { Length: > 0 } path ? path : "body", "The field has the wrong type: Headers and QueryParams are objects of strings, Authentication an object.");
        }
    }

    /// <summary>A subscription as LoginRadius shows it; authentication secrets masked, the signing key too unless <paramref name="showSigningKey"/>.</summary>
    private static JsonObject Render(WebhookSubscription subscription, bool showSigningKey = false)
    {
        var authentication = subscription.Authentication is { } auth ? JsonSerializer.SerializeToNode(auth) : null;
        TenantSettingsJson.MaskWebhookSecrets(authentication);
        return new JsonObject
        {
            ["Id"] = subscription.Id,
            ["Name"] = subscription.Name,
            ["Event"] = subscription.Event,
            ["TargetUrl"] = subscription.TargetUrl,
            ["Headers"] = JsonSerializer.SerializeToNode(subscription.Headers),
            ["QueryParams"] = JsonSerializer.SerializeToNode(subscription.QueryParams),
            ["Authentication"] = authentication,
            ["CreatedDate"] = LoginRadiusJson.Timestamp(subscription.CreatedDate),
            ["LastModifiedDate"] = LoginRadiusJson.Timestamp(subscription.LastModifiedDate),
            ["SigningKey"] = subscription.SigningKey is null ? null : showSigningKey ? subscription.SigningKey : TenantSettingsJson.Masked,
            ["SignWithApiSecret"] = subscription.SignWithApiSecret,
            ["SecretName"] = null,
            ["IsIntegrationWebhook"] = false,
        };
    }
}
