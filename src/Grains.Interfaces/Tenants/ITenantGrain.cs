namespace PinOrleans.Tenants;

/// <summary>One application (LoginRadius "site"), keyed by its API key.</summary>
[Alias("PinOrleans.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant or updates its name, settings and (when given) secret.</summary>
    Task<TenantSnapshot> ConfigureAsync(TenantDefinition definition);

    /// <summary>Creates the tenant; null when it exists already (nothing changes then).</summary>
    Task<TenantSnapshot?> CreateAsync(TenantDefinition definition);

    /// <summary>Replaces the API secret, keeping the name and the settings as they are now; null when there is no such tenant.</summary>
    Task<TenantSnapshot?> RotateSecretAsync(Sensitive secret);

    /// <summary>
    /// Applies the bootstrap configuration at silo start when it differs from the one applied last time; an unchanged
    /// configuration leaves the tenant as it is, runtime changes included.
    /// </summary>
    Task<TenantSnapshot> BootstrapAsync(TenantDefinition definition);

    /// <summary>
    /// Changes settings at runtime with a JSON merge patch (<see cref="TenantSettingsJson.Merge"/>); answers the new
    /// snapshot, or why the patch was refused (nothing changes then).
    /// </summary>
    Task<TenantSettingsChange> ChangeSettingsAsync(string patch);

    /// <summary>Creates (no <c>Id</c>) or replaces (its <c>Id</c>) a webhook subscription: 1086 event, 1087 URL, 1085 over five per event, 1110 same event and URL twice, 1112 no such id.</summary>
    Task<WebhookOutcome> SaveWebhookAsync(Webhooks.WebhookSubscription subscription);

    /// <summary>Removes a subscription; 1112 when there is none with that id.</summary>
    Task<Problem?> DeleteWebhookAsync(string id);

    /// <summary>
    /// LoginRadius' <c>signature</c> of a webhook body (for subscriptions that opted in): upper-case hex HMAC-SHA256
    /// keyed with the API secret; null when the secret is not held (set it again).
    /// </summary>
    [AlwaysInterleave]
    Task<string?> SignAsync(string body);

    /// <summary>
    /// Checks that the tenant exists and its plan is live, and, when <paramref name="requireSecret"/>, that the secret
    /// matches. The snapshot carries no secret (<see cref="TenantCredentials.Withheld"/>).
    /// </summary>
    [AlwaysInterleave]
    Task<TenantAccess> AuthorizeAsync(Sensitive? apiSecret, bool requireSecret);

    /// <summary>The tenant for operators: name, creation date and settings, secrets withheld (null settings: there is no such tenant). Never the secret.</summary>
    [AlwaysInterleave]
    Task<TenantInfo> GetInfoAsync();

    /// <summary>The bot protection settings with their keys, for the captcha verifier when it checks an answer; null when there is no such tenant.</summary>
    [AlwaysInterleave]
    Task<BotProtectionPolicy?> GetBotProtectionAsync();

    /// <summary>
    /// What a delivery to one subscription needs, its secrets whole; null when there is no such subscription, or no
    /// tenant with a live plan (its deliveries are dropped).
    /// </summary>
    [AlwaysInterleave]
    Task<Webhooks.WebhookTarget?> GetWebhookTargetAsync(string subscriptionId);

    /// <summary>
    /// Checks the tenant as <see cref="AuthorizeAsync"/> does without a secret and, when it may be used, the SOTT
    /// (<c>X-LoginRadius-Sott</c>) against the tenant's sealed secret: format, MD5, decryption, API key, window.
    /// </summary>
    [AlwaysInterleave]
    Task<SottAccess> AuthorizeSottAsync(string? sott);

    /// <summary>
    /// A SOTT valid from now for <paramref name="minutes"/>, made with the tenant's sealed secret; null when there is
    /// no such tenant or its secret predates sealing (rotate it).
    /// </summary>
    [AlwaysInterleave]
    Task<IssuedSott?> IssueSottAsync(int minutes);

    /// <summary>
    /// Checks the tenant as <see cref="AuthorizeAsync"/> does with a secret, but by LoginRadius' request signature
    /// instead of the secret itself: 1212 a part missing, 1211 malformed, 1210 expired, 1208 not this request's.
    /// </summary>
    [AlwaysInterleave]
    Task<TenantAccess> AuthorizeSignedAsync(SignedRequest request);
}

/// <summary>How a tenant is defined by configuration (the bootstrap section) or by an operator.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TenantDefinition")]
public sealed record TenantDefinition
{
    [Id(0)] public string Name { get; init; } = "";
    /// <summary>The API secret in clear; only its SHA-256 is stored. Null keeps the current secret.</summary>
    [Id(1)] public Sensitive? ApiSecret { get; init; }
    [Id(2)] public TenantSettings Settings { get; init; } = new();
}

/// <summary>
/// A tenant as the rest of the system sees it, sent with every call: never its API secret, and settings whose
/// secrets read as a mask (<see cref="TenantCredentials.Withheld"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TenantSnapshot")]
public sealed record TenantSnapshot(
    [property: Id(0)] string ApiKey,
    [property: Id(1)] string Name,
    [property: Id(2)] TenantSettings Settings);

/// <summary>The answer to <see cref="ITenantGrain.GetInfoAsync"/>; <see cref="Settings"/> is null when the tenant does not exist.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TenantInfo")]
public sealed record TenantInfo(
    [property: Id(0)] string ApiKey,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset CreatedDate,
    [property: Id(3)] TenantSettings? Settings)
{
    public bool Exists => Settings is not null;
}

/// <summary>The answer to <see cref="ITenantGrain.ChangeSettingsAsync"/>: the tenant as it is now, or why the change was refused.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TenantSettingsChange")]
public sealed record TenantSettingsChange([property: Id(0)] TenantSnapshot? Tenant, [property: Id(1)] string? Error);

/// <summary>The subscription as saved, or why it was refused.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.WebhookOutcome")]
public sealed record WebhookOutcome([property: Id(0)] Webhooks.WebhookSubscription? Subscription, [property: Id(1)] Problem? Problem);

/// <summary>The answer to <see cref="ITenantGrain.AuthorizeAsync"/>: the tenant, or why it may not be used.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.TenantAccess")]
public sealed record TenantAccess([property: Id(0)] TenantSnapshot? Tenant, [property: Id(1)] Problem? Problem);

/// <summary>Remembers the tenant a cluster generated for itself when none was configured (key 0).</summary>
[Alias("PinOrleans.IGeneratedTenantGrain")]
public interface IGeneratedTenantGrain : IGrainWithIntegerKey
{
    /// <summary>Creates the generated tenant on the first call; later calls return its API key without a secret.</summary>
    Task<GeneratedTenant> EnsureAsync(string name, TenantSettings settings);
}

/// <summary>The generated tenant. <see cref="ApiSecret"/> is set only by the call that created it.</summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.GeneratedTenant")]
public sealed record GeneratedTenant([property: Id(0)] string ApiKey, [property: Id(1)] Sensitive? ApiSecret);
