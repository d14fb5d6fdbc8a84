using System.ComponentModel;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
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
    private const string Root = "/v2/manage/webhooks";
    private const string HookIdNote = "The subscription's `Id` (1112 when there is none).";

    private static readonly ErrorCode[] SaveRefusals =
        [ErrorCode.WebhookEventInvalid, ErrorCode.WebhookTargetInvalid, ErrorCode.WebhookLimitReached, ErrorCode.WebhookAlreadySubscribed, ErrorCode.ValidationFailed];

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        foreach (var root in new[] { Root, "/v2/manage/webhook" })
        {
            var hooks = app.MapApiGroup(root, "Webhooks");
            var alias = root != Root;

            // The singular routes are the plural ones under another name.
            RouteHandlerBuilder Map(string method, string path, Delegate handler, string name, string summary, string description) => hooks
                .MapMethods(path, [method], handler)
                .WithName(alias ? name + "Singular" : name)
                .WithSummary(summary)
                .WithDescription(alias
                    ? $"{description}\n\nThe singular `/v2/manage/webhook` spelling some LoginRadius pages use; the same as `{method} {Root}{path}` (`{name}`)."
                    : description);

            Map("POST", "", CreateAsync, "CreateWebhook", "Subscribes a target URL to an event.",
                    "Subscribes a target URL to an event. 1086 unknown event, 1087 target refused (only public https targets; the operator's `Outbound` settings may trust internal networks), 1085 more than five per event, 1110 same event and URL again. The answer shows the subscription's signing key, the only time it is shown.")
                .Refuses(SaveRefusals);
            Map("GET", "", List, "ListWebhooks", "The tenant's subscriptions: {Data, Count}.", "The tenant's subscriptions, oldest first; secrets masked.");
            Map("GET", "/events", Events, "ListWebhookEvents", "The events one can subscribe to.",
                "The events one can subscribe to: " + string.Join(", ", WebhookEvents.All.Select(e => $"`{e}`")) + ".");
            Map("GET", "/{hookId}", Get, "GetWebhook", "One subscription (1112 when there is none).", "One subscription; secrets masked.")
                .Refuses(ErrorCode.WebhookNotSubscribed);
            Map("PUT", "/{hookId}", UpdateAsync, "UpdateWebhook", "Replaces a subscription.", "Replaces a subscription (a `********` secret keeps the stored one); its signing key stays.")
                .Refuses([ErrorCode.WebhookNotSubscribed, .. SaveRefusals]);
            Map("DELETE", "/{hookId}", DeleteAsync, "DeleteWebhook", "Unsubscribes: {\"IsDeleted\": true}.", "Unsubscribes.")
                .Refuses(ErrorCode.WebhookNotSubscribed);
            Map("GET", "/{hookId}/deliveries", DeliveriesAsync, "ListWebhookDeadLetters", "Deliveries that used up their attempts (dead letters), newest last.",
                    "Deliveries of this subscription that used up their attempts (dead letters), newest last.")
                .Refuses(ErrorCode.WebhookNotSubscribed);
            Map("POST", "/{hookId}/deliveries/{eventId}/redeliver", RedeliverAsync, "RedeliverWebhook", "Hands a dead letter back for delivery with fresh attempts: {\"IsPosted\": true}.",
                    "Hands a dead letter back for delivery with fresh attempts. 1134 when the subscription has no dead letter with this HookId.")
                .Refuses(ErrorCode.WebhookNotSubscribed, ErrorCode.ValidationFailed);
        }

        return app;
    }

    /// <summary>
    /// A subscription to create or replace; secrets sent as <c>********</c> keep the stored ones. A signing key is
    /// never taken from the caller: the service makes it.
    /// </summary>
    public sealed record WebhookBody(
        [property: Description("The event to subscribe to (any casing), one of those `GET /v2/manage/webhooks/events` lists (else 1086)."), Example("Login")] string? Event,
        [property: Description("Where events are POSTed: a public https URL (internal or plain-http targets only where the operator's `Outbound` settings trust them; else 1087)."), Example("https://crm.example.com/hooks/login")] string? TargetUrl,
        [property: Description("A name for the subscription (at most 200 characters)."), Example("CRM")] string? Name = null,
        [property: Description("Extra request headers for every delivery (at most 20; not the delivery's own, such as `signature`)."), Example("""{"X-Env": "prod"}""", IsJson = true)] Dictionary<string, string>? Headers = null,
        [property: Description("Extra query parameters added to the target URL (at most 20)."), Example("""{"source": "pinorleans"}""", IsJson = true)] Dictionary<string, string>? QueryParams = null,
        [property: Description("How deliveries authenticate to the target."), Example("""{"AuthType": "Basic", "BasicAuth": {"Username": "crm", "Password": "s3cret"}}""", IsJson = true)] WebhookAuth? Authentication = null,
        [property: Description("Also send LoginRadius' `signature` header (HMAC-SHA256 of the body keyed with the API secret; no timestamp). Default false.")] bool SignWithApiSecret = false) : RequestBody<WebhookBody>
    {
        /// <summary>The subscription to save under <paramref name="id"/> (empty: a new one); its signing key is the service's.</summary>
        public WebhookSubscription Subscription(string id) => new()
        {
            Id = id,
            Event = Event?.Trim() ?? "",
            TargetUrl = TargetUrl?.Trim() ?? "",
            Name = Name?.Trim() ?? "",
            Headers = Headers ?? [],
            QueryParams = QueryParams ?? [],
            Authentication = Authentication?.Subscription(),
            SigningKey = null,
            SignWithApiSecret = SignWithApiSecret,
        };
    }

    /// <summary>How deliveries authenticate to the target; answers show its password or token as <c>********</c>.</summary>
    public sealed record WebhookAuth(
        [property: Description("`None` (default), `Basic` or `BearerToken`.")] string? AuthType = "None",
        [property: Description("For `Basic`: `{Username, Password}`.")] WebhookBasic? BasicAuth = null,
        [property: Description("For `BearerToken`: `{Token}`.")] WebhookBearer? BearerToken = null)
    {
        // Null where the caller sent null, as the stored record has always taken them (its checks refuse them).
        public WebhookAuthentication Subscription() => new()
        {
            AuthType = AuthType!,
            BasicAuth = BasicAuth is { } basic ? new WebhookBasicAuth { Username = basic.Username!, Password = basic.Password! } : null,
            BearerToken = BearerToken is { } bearer ? new WebhookBearerToken { Token = bearer.Token! } : null,
        };

        /// <summary>The stored authentication as answers show it, masked by <see cref="TenantSettingsJson.MaskWebhookSecrets"/> (the rule the settings answer follows too).</summary>
        public static WebhookAuth? Shown(WebhookAuthentication? authentication)
        {
            var json = authentication is null ? null : JsonSerializer.SerializeToNode(authentication);
            TenantSettingsJson.MaskWebhookSecrets(json);
            return json?.Deserialize<WebhookAuth>();
        }
    }

    /// <summary>HTTP Basic credentials for the target.</summary>
    public sealed record WebhookBasic(
        [property: Description("The user name (no ':').")] string? Username = "",
        [property: Description("The password (`********` keeps the stored one).")] string? Password = "");

    /// <summary>A bearer token for the target.</summary>
    public sealed record WebhookBearer(
        [property: Description("The bearer token (`********` keeps the stored one).")] string? Token = "");

    /// <summary>A webhook subscription as LoginRadius shows it; secrets masked as <c>********</c>.</summary>
    public sealed record Webhook(
        [property: Description("The subscription's id.")] string Id,
        [property: Description("Its name.")] string Name,
        [property: Description("The event it receives.")] string Event,
        [property: Description("Where events are POSTed.")] string TargetUrl,
        [property: Description("Extra request headers for every delivery.")] Dictionary<string, string> Headers,
        [property: Description("Extra query parameters added to the target URL.")] Dictionary<string, string> QueryParams,
        [property: Description("How deliveries authenticate to the target; its password or token as `********`.")] WebhookAuth? Authentication,
        [property: Description("When it was created (ISO-8601 UTC).")] DateTimeOffset CreatedDate,
        [property: Description("When it last changed (ISO-8601 UTC).")] DateTimeOffset LastModifiedDate,
        [property: Description("The subscription's signing key for `X-PinOrleans-Signature` (HMAC-SHA256 over `timestamp.body`): in clear only in the answer that created it, `********` after; null for a subscription made before signing keys.")] string? SigningKey,
        [property: Description("Whether deliveries also carry LoginRadius' `signature` header (keyed with the API secret).")] bool SignWithApiSecret,
        [property: Description("Always null.")] string? SecretName,
        [property: Description("Always false.")] bool IsIntegrationWebhook)
    {
        /// <summary>The subscription; its signing key only in the answer that created it (shown once).</summary>
        public static Webhook Of(WebhookSubscription subscription, bool showSigningKey = false) => new(
            subscription.Id, subscription.Name, subscription.Event, subscription.TargetUrl, subscription.Headers, subscription.QueryParams,
            WebhookAuth.Shown(subscription.Authentication), subscription.CreatedDate, subscription.LastModifiedDate,
            subscription.SigningKey is null ? null : showSigningKey ? subscription.SigningKey : TenantSettingsJson.Masked,
            subscription.SignWithApiSecret, SecretName: null, IsIntegrationWebhook: false);
    }

    /// <summary>A delivery that used up its attempts.</summary>
    public sealed record WebhookDeadLetter(
        [property: Description("The event's id (the payload's `HookId`), for redelivery.")] string HookId,
        [property: Description("The event name.")] string Event,
        [property: Description("Always `DeadLetter`.")] string Status,
        [property: Description("Attempts made.")] int Attempts,
        [property: Description("What the last attempt met.")] string LastError,
        [property: Description("When it gave up (ISO-8601 UTC).")] DateTimeOffset FailedAt,
        [property: Description("The payload that was to be delivered: `{HookName, Time, HookId, Data}`.")] JsonElement Payload)
    {
        public static WebhookDeadLetter Of(DeadLetter letter) => new(
            letter.Delivery.EventId, letter.Delivery.Event, "DeadLetter", letter.Attempts, letter.LastError, letter.FailedAt,
            JsonSerializer.Deserialize<JsonElement>(letter.Delivery.Body));
    }

    private static async Task<Results<Ok<Webhook>, Refusal>> CreateAsync(TrustedTenant tenant, WebhookBody body, IGrainFactory grains) =>
        Answer(await grains.Reference<ITenantGrain>(tenant.ApiKey).SaveWebhookAsync(body.Subscription("")), showSigningKey: true);

    private static async Task<Results<Ok<Webhook>, Refusal>> UpdateAsync(TrustedTenant tenant, [Description(HookIdNote)] string hookId, WebhookBody body, IGrainFactory grains)
    {
        var subscription = body.Subscription(hookId.Trim());
        if (subscription.Id.Length == 0)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.WebhookNotSubscribed));
        }

        return Answer(await grains.Reference<ITenantGrain>(tenant.ApiKey).SaveWebhookAsync(subscription));
    }

    private static Ok<Listing<Webhook>> List(TrustedTenant tenant) =>
        TypedResults.Ok(Listing.Of(tenant.Settings.Webhooks.Subscriptions.OrderBy(s => s.CreatedDate).Select(s => Webhook.Of(s))));

    /// <summary>The tenant's credentials are checked all the same.</summary>
    private static Ok<Listing<string>> Events(TrustedTenant tenant) => TypedResults.Ok(Listing.Of(WebhookEvents.All));

    private static Results<Ok<Webhook>, Refusal> Get(TrustedTenant tenant, [Description(HookIdNote)] string hookId) =>
        Find(tenant, hookId) is { } found ? TypedResults.Ok(Webhook.Of(found)) : LoginRadiusJson.Error(new Problem(ErrorCode.WebhookNotSubscribed));

    private static async Task<Results<Ok<Deleted>, Refusal>> DeleteAsync(TrustedTenant tenant, [Description(HookIdNote)] string hookId, IGrainFactory grains)
    {
        var problem = await grains.Reference<ITenantGrain>(tenant.ApiKey).DeleteWebhookAsync(hookId.Trim());
        return LoginRadiusJson.Answer(problem, Deleted.Yes);
    }

    private static async Task<Results<Ok<Listing<WebhookDeadLetter>>, Refusal>> DeliveriesAsync(TrustedTenant tenant, [Description(HookIdNote)] string hookId, IGrainFactory grains)
    {
        if (Find(tenant, hookId) is not { } found)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.WebhookNotSubscribed));
        }

        var letters = await grains.Reference<IWebhookLogGrain>($"{tenant.ApiKey}/{found.Id}").ListAsync();
        return TypedResults.Ok(Listing.Of(letters.Select(WebhookDeadLetter.Of)));
    }

    private static async Task<Results<Ok<Posted>, Refusal>> RedeliverAsync(
        TrustedTenant tenant,
        [Description(HookIdNote)] string hookId,
        [Description("The dead letter's `HookId` (the event's id; 1134 when this subscription has no such dead letter).")] string eventId,
        IGrainFactory grains)
    {
        if (Find(tenant, hookId) is not { } found)
        {
            return LoginRadiusJson.Error(new Problem(ErrorCode.WebhookNotSubscribed));
        }

        var redelivered = await grains.Reference<IWebhookLogGrain>($"{tenant.ApiKey}/{found.Id}").RedeliverAsync(eventId.Trim());
        return redelivered
            ? TypedResults.Ok(Posted.Yes)
            : LoginRadiusJson.Error(Problem.Validation("eventId", "There is no dead letter with this HookId for this subscription."));
    }

    private static WebhookSubscription? Find(TenantSnapshot tenant, string hookId) =>
        tenant.Settings.Webhooks.Subscriptions.FirstOrDefault(s => string.Equals(s.Id, hookId.Trim(), StringComparison.OrdinalIgnoreCase));

    private static Results<Ok<Webhook>, Refusal> Answer(WebhookOutcome outcome, bool showSigningKey = false) =>
        outcome.Problem is { } problem ? LoginRadiusJson.Error(problem) : TypedResults.Ok(Webhook.Of(outcome.Subscription!, showSigningKey));
}
