namespace PinOrleans.Webhooks;

/// <summary>The events PinOrleans raises (LoginRadius' names) and how a request suppresses them.</summary>
public static class WebhookEvents
{
    public const string Login = "Login";
    public const string SetPIN = "SetPIN";
    public const string ChangePIN = "ChangePIN";
    public const string ResetPIN = "ResetPIN";
    public const string BlockAccount = "BlockAccount";
    public const string UnlockAccount = "UnlockAccount";
    public const string UpdateProfile = "UpdateProfile";
    public const string DeleteAccount = "DeleteAccount";
    public const string CreateTraditionalAccount = "CreateTraditionalAccount";
    /// <summary>Self-registration (<c>POST /identity/v2/auth/register</c>).</summary>
    public const string Register = "Register";
    public const string EmailVerification = "EmailVerification";
    public const string VerifyPhoneNumber = "VerifyPhoneNumber";

    public const string SetUsername = "SetUsername";
    public const string RemovePhoneId = "RemovePhoneId";
    public const string AddEmail = "AddEmail";
    public const string RemoveEmail = "RemoveEmail";
    public const string UpdatePhoneId = "UpdatePhoneId";
    public const string InvalidateEmailVerification = "InvalidateEmailVerification";
    public const string InvalidatePhoneVerification = "InvalidatePhoneVerification";
    public const string UpdateUid = "UpdateUid";

    public static readonly IReadOnlyList<string> All =
        [Login, SetPIN, ChangePIN, ResetPIN, BlockAccount, UnlockAccount, UpdateProfile, DeleteAccount, CreateTraditionalAccount,
            SetPassword, ChangePassword, SetUsername, RemovePhoneId, Register, EmailVerification, VerifyPhoneNumber, ResetPassword,
            AddEmail, RemoveEmail, UpdatePhoneId, InvalidateEmailVerification, InvalidatePhoneVerification, UpdateUid];

    /// <summary>LoginRadius' password events: credential changes too (raised by the password routes).</summary>
    public const string SetPassword = "SetPassword";
    public const string ChangePassword = "ChangePassword";
    public const string ResetPassword = "ResetPassword";

    /// <summary>
    /// Events an account holder (or whoever took the account over) must not be able to hide from the tenant: locks,
    /// unlocks and credential changes. <c>prevent_webhook</c> suppresses them only on a request that carried the
    /// tenant's API secret, verified (<see cref="SecretVerifiedKey"/>).
    /// </summary>
    public static readonly IReadOnlySet<string> Security = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        BlockAccount, UnlockAccount, ResetPIN, ChangePIN, SetPIN, SetPassword, ChangePassword, ResetPassword,
    };

    /// <summary>The <see cref="RequestContext"/> key the gateway sets for <c>prevent_webhook=true</c> / <c>X-PreventWebhook: true</c>.</summary>
    public const string PreventKey = "pinorleans.prevent-webhook";

    /// <summary>The <see cref="RequestContext"/> key the gateway sets only when the request's API secret was checked and matched.</summary>
    public const string SecretVerifiedKey = "pinorleans.api-secret-verified";

    /// <summary>
    /// Whether the request being served suppresses <paramref name="eventName"/> (the flags flow through every grain
    /// call it makes): it asked for no webhooks, and the event is not a <see cref="Security"/> one or the request
    /// carried the verified API secret.
    /// </summary>
    public static bool Suppressed(string eventName, string apiKey) =>
        RequestContext.Get(PreventKey) is true
        && (!Security.Contains(eventName) || (RequestContext.Get(SecretVerifiedKey) is string verified && string.Equals(verified, apiKey, StringComparison.OrdinalIgnoreCase)));

    public static string? Canonical(string? name) => All.FirstOrDefault(e => string.Equals(e, name?.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// A tenant's webhooks (configuration <c>Webhooks:*</c>): where events go, and how deliveries are tried. Which
/// targets may be reached is the operator's (<see cref="Outbound.OutboundOptions"/>), never the tenant's: ids 0 and 1
/// (the tenant's AllowHttp and AllowPrivateNetworks until issue 12) are retired.
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.WebhookPolicy")]
public sealed record WebhookPolicy
{
    /// <summary>Attempts per delivery before it goes to the dead-letter list.</summary>
    [Id(2)] public int MaxAttempts { get; init; } = 8;
    /// <summary>How long one attempt may take.</summary>
    [Id(3)] public double TimeoutSeconds { get; init; } = 5;
    /// <summary>The first retry waits about this long; each further one doubles it (with jitter), up to <see cref="MaxRetryDelaySeconds"/>.</summary>
    [Id(4)] public double RetryBaseSeconds { get; init; } = 2;
    [Id(5)] public double MaxRetryDelaySeconds { get; init; } = 3600;
    [Id(6)] public List<WebhookSubscription> Subscriptions { get; init; } = [];

    /// <summary>At most this many subscriptions per event (LoginRadius: 5; more is 1085).</summary>
    public const int MaxPerEvent = 5;

    public IEnumerable<WebhookSubscription> For(string eventName) =>
        Subscriptions.Where(s => string.Equals(s.Event, eventName, StringComparison.OrdinalIgnoreCase));

    /// <summary>What a delivery to subscription <paramref name="subscriptionId"/> needs: these settings without the other subscriptions, and that one; null when there is none.</summary>
    public WebhookTarget? Target(string subscriptionId) => Subscriptions.FirstOrDefault(s => s.Id == subscriptionId) is { } subscription
        ? new WebhookTarget(this with { Subscriptions = [] }, subscription)
        : null;

    /// <summary>
    /// The wait before attempt <paramref name="attempt"/> + 1 (attempt counts from 1): the base doubling with each
    /// attempt, capped at <see cref="MaxRetryDelaySeconds"/>, then spread by <paramref name="jitter"/> (0 to 1) over
    /// half of it to all of it, so receivers that come back are not hit by every retry at once and the cap holds.
    /// </summary>
    public TimeSpan RetryDelay(int attempt, double jitter) => TimeSpan.FromSeconds(
        Math.Min(RetryBaseSeconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)), MaxRetryDelaySeconds) * (0.5 + Math.Clamp(jitter, 0, 1) / 2));

    /// <summary>Why these webhook settings cannot work, or null.</summary>
    public string? Problem()
    {
        if (MaxAttempts is < 1 or > 50 || TimeoutSeconds is <= 0 or > 60 || RetryBaseSeconds <= 0 || MaxRetryDelaySeconds < RetryBaseSeconds)
        {
            return "Webhooks: MaxAttempts must be 1 to 50, TimeoutSeconds 0 to 60, RetryBaseSeconds above 0 and at most MaxRetryDelaySeconds.";
        }

        foreach (var subscription in Subscriptions)
        {
            if (subscription.Check() is { } problem)
            {
                return $"Webhooks:Subscriptions ({subscription.Event} {subscription.TargetUrl}): {problem.Code}";
            }
        }

        return Subscriptions.GroupBy(s => WebhookEvents.Canonical(s.Event)).Any(g => g.Count() > MaxPerEvent)
            ? $"Webhooks:Subscriptions: at most {MaxPerEvent} per event."
            : null;
    }

    /// <summary>Why a subscription's target may not be reached under the operator's <paramref name="guard"/>, or null.</summary>
    public string? TargetProblem(Outbound.OutboundGuard guard) => Subscriptions
        .Select(s => guard.Refusal(s.TargetUrl) is { } reason ? $"Webhooks:Subscriptions ({s.Event} {s.TargetUrl}): {reason}" : null)
        .FirstOrDefault(p => p is not null);
}

/// <summary>
/// One subscription as its deliveries need it: secrets whole (<see cref="Tenants.ITenantGrain.GetWebhookTargetAsync"/>),
/// with the tenant's delivery settings (attempts, timeout, backoff).
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.WebhookTarget")]
public sealed record WebhookTarget([property: Id(0)] WebhookPolicy Policy, [property: Id(1)] WebhookSubscription Subscription);

/// <summary>One subscription (LoginRadius webhook configuration): an event and the URL it is posted to.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.WebhookSubscription")]
public sealed record WebhookSubscription
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public string Event { get; init; } = "";
    [Id(3)] public string TargetUrl { get; init; } = "";
    /// <summary>Extra request headers sent with every delivery.</summary>
    [Id(4)] public Dictionary<string, string> Headers { get; init; } = [];
    /// <summary>Extra query parameters added to the target URL.</summary>
    [Id(5)] public Dictionary<string, string> QueryParams { get; init; } = [];
    [Id(6)] public WebhookAuthentication? Authentication { get; init; }
    [Id(7)] public DateTimeOffset CreatedDate { get; init; }
    [Id(8)] public DateTimeOffset LastModifiedDate { get; init; }
    /// <summary>
    /// The subscription's own signing key (64 hex characters, generated when it is created, shown once in that
    /// answer, sealed at rest): deliveries carry <c>X-PinOrleans-Timestamp</c> and <c>X-PinOrleans-Signature</c>,
    /// the lower-case hex HMAC-SHA256 keyed with it over <c>timestamp + "." + body</c>.
    /// </summary>
    [Id(9)] public string? SigningKey { get; init; }
    /// <summary>
    /// Also send LoginRadius' <c>signature</c> header (upper-case hex HMAC-SHA256 of the body keyed with the tenant's
    /// API secret), for receivers written against LoginRadius. Off by default: it signs no timestamp and uses the
    /// master secret.
    /// </summary>
    [Id(10)] public bool SignWithApiSecret { get; init; }

    /// <summary>A fresh signing key: 256 bits from the CSPRNG, as hex.</summary>
    public static string NewSigningKey() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// Why this subscription is refused (1086 event, 1087 URL or its settings), or null. Without the operator's
    /// <paramref name="guard"/> only the URL's form is checked, not whether it may be reached.
    /// </summary>
    public Problem? Check(Outbound.OutboundGuard? guard = null)
    {
        if (WebhookEvents.Canonical(Event) is null)
        {
            return new Problem(ErrorCode.WebhookEventInvalid);
        }

        if ((guard ?? Outbound.OutboundGuard.AnyTarget).Refusal(TargetUrl) is { } reason)
        {
            return Problem.Validation("TargetUrl", reason) with { Code = ErrorCode.WebhookTargetInvalid };
        }

        var headersOk = Headers.Count <= 20 && Headers.All(h => h.Key.Length is > 0 and <= 100 && h.Key.All(c => c > ' ' && c < 127 && c != ':')
            && h.Value.Length <= 2000 && !h.Value.Any(char.IsControl)
            && !ReservedHeaders.Contains(h.Key));
        var queryOk = QueryParams.Count <= 20 && QueryParams.All(q => q.Key.Length is > 0 and <= 100 && q.Value.Length <= 2000);
        var auth = Authentication?.AuthType ?? "None";
        var authOk = auth switch
        {
            "None" => true,
            "Basic" => Authentication!.BasicAuth is { Username.Length: > 0 and <= 200 } basic && basic.Password.Length <= 500 && !basic.Username.Contains(':'),
            "BearerToken" => Authentication!.BearerToken is { Token.Length: > 0 and <= 4000 } bearer && !bearer.Token.Any(char.IsControl),
            _ => false,
        };
        var keyOk = SigningKey is null || (SigningKey.Length is >= 32 and <= 200 && !SigningKey.Any(char.IsControl));
        return headersOk && queryOk && authOk && keyOk && Name.Length <= 200
            ? null
            : Problem.Validation(!headersOk ? "Headers" : !queryOk ? "QueryParams" : !authOk ? "Authentication" : !keyOk ? "SigningKey" : "Name",
                "Headers and QueryParams: at most 20 plain entries (signature, content-type, host and the like are the service's); Authentication: AuthType None, Basic with BasicAuth {Username, Password} or BearerToken with BearerToken {Token}; SigningKey: 32 to 200 characters; Name: at most 200 characters.");
    }

    /// <summary>Headers a subscription may not set: the delivery's own.</summary>
    public static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "signature", "content-type", "content-length", "host", "authorization", "transfer-encoding", "connection", "user-agent",
        WebhookSignatureHeaders.Timestamp, WebhookSignatureHeaders.Signature,
    };
}

[GenerateSerializer, Immutable, Alias("PinOrleans.WebhookAuthentication")]
public sealed record WebhookAuthentication
{
    /// <summary><c>None</c>, <c>Basic</c> or <c>BearerToken</c>.</summary>
    [Id(0)] public string AuthType { get; init; } = "None";
    [Id(1)] public WebhookBasicAuth? BasicAuth { get; init; }
    [Id(2)] public WebhookBearerToken? BearerToken { get; init; }
}

[GenerateSerializer, Immutable, Alias("PinOrleans.WebhookBasicAuth")]
public sealed record WebhookBasicAuth
{
    [Id(0)] public string Username { get; init; } = "";
    [Id(1)] public string Password { get; init; } = "";
}

[GenerateSerializer, Immutable, Alias("PinOrleans.WebhookBearerToken")]
public sealed record WebhookBearerToken
{
    [Id(0)] public string Token { get; init; } = "";
}

/// <summary>How a delivery is signed: the headers, and the value a receiver recomputes.</summary>
public static class WebhookSignatureHeaders
{
    /// <summary>Unix time in seconds when the attempt was signed: receivers refuse deliveries outside their replay window.</summary>
    public const string Timestamp = "X-PinOrleans-Timestamp";

    /// <summary>Lower-case hex HMAC-SHA256 keyed with the subscription's signing key over <c>timestamp + "." + body</c>.</summary>
    public const string Signature = "X-PinOrleans-Signature";

    public static string Sign(string signingKey, long timestamp, string body) => Convert.ToHexStringLower(
        System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(signingKey),
            System.Text.Encoding.UTF8.GetBytes(timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + body)));
}

/// <summary>One event on its way to one subscription.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.WebhookDelivery")]
public sealed record WebhookDelivery
{
    [Id(0)] public string ApiKey { get; init; } = "";
    /// <summary>The subscription's id.</summary>
    [Id(1)] public string SubscriptionId { get; init; } = "";
    /// <summary>The event's id: the payload's <c>HookId</c>, the same for every attempt and subscription.</summary>
    [Id(2)] public string EventId { get; init; } = "";
    [Id(3)] public string Event { get; init; } = "";
    /// <summary>The payload exactly as sent and signed: <c>{HookName, Time, HookId, Data}</c>.</summary>
    [Id(4)] public string Body { get; init; } = "";

    public string Key => $"{ApiKey}/{SubscriptionId}/{EventId}";
}

/// <summary>A delivery that used up its attempts.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.DeadLetter")]
public sealed record DeadLetter
{
    [Id(0)] public WebhookDelivery Delivery { get; init; } = new();
    [Id(1)] public int Attempts { get; init; }
    [Id(2)] public string LastError { get; init; } = "";
    [Id(3)] public DateTimeOffset FailedAt { get; init; }
}

/// <summary>Delivers one event to one subscription: at least once, retried with backoff, surviving silo loss. Key: <see cref="WebhookDelivery.Key"/>.</summary>
[Alias("PinOrleans.IWebhookDeliveryGrain")]
public interface IWebhookDeliveryGrain : IGrainWithStringKey
{
    /// <summary>Takes the delivery (idempotent while it is pending) and tries it right away, off the caller's turn.</summary>
    Task AcceptAsync(WebhookDelivery delivery);
}

/// <summary>The dead-letter list of one subscription, keyed <c>{apiKey}/{subscriptionId}</c>.</summary>
[Alias("PinOrleans.IWebhookLogGrain")]
public interface IWebhookLogGrain : IGrainWithStringKey
{
    Task AddAsync(DeadLetter letter);

    Task<IReadOnlyList<DeadLetter>> ListAsync();

    /// <summary>Hands a dead letter back for delivery (fresh attempts); false when there is no such letter.</summary>
    Task<bool> RedeliverAsync(string eventId);
}
