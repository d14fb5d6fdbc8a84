using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PinOrleans.Security;
using PinOrleans.Webhooks;

namespace PinOrleans.Tenants;

[GenerateSerializer, Alias("PinOrleans.TenantState")]
public sealed class TenantState
{
    [Id(0)] public string Name { get; set; } = "";
    /// <summary>SHA-256 (hex) of the API secret: the secret is 128 random bits, so a fast hash is enough.</summary>
    [Id(1)] public string SecretHash { get; set; } = "";
    /// <summary>The settings, their secrets sealed (<see cref="SealedSettings"/>).</summary>
    [Id(2)] public TenantSettings Settings { get; set; } = new();
    [Id(3)] public DateTimeOffset CreatedDate { get; set; }
    /// <summary>SHA-256 of the bootstrap definition last applied: an unchanged configuration does not undo runtime changes.</summary>
    [Id(4)] public string? BootstrapFingerprint { get; set; }
    /// <summary>The API secret sealed by <see cref="AtRestEncryption"/>: it signs the tenant's webhooks.</summary>
    [Id(5)] public string? ProtectedSecret { get; set; }
}

/// <summary>
/// A tenant. Authorization interleaves with everything, so it reads <see cref="_published"/>: the last state that
/// storage acknowledged, never one still being written.
/// </summary>
public sealed class TenantGrain(
    [PersistentState("tenant", StorageNames.Store)] IPersistentState<TenantState> state,
    [FromKeyedServices(ServiceClock.Key)] TimeProvider time,
    AtRestEncryption protector,
    Outbound.OutboundGuard outbound,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private TenantState? _published;

    /// <summary>
    /// The SOTT key (PBKDF2 of the secret, slow on purpose) for the sealed secret it came from: derived once per
    /// activation and secret, held only here, so it never crosses to the gateway or into a snapshot.
    /// </summary>
    private (string Sealed, byte[] Key)? _sottKey;

    private string ApiKey => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _published = state.RecordExists ? Opened(state.State) : null;
        if (_published is { } tenant)
        {
            // Listed off the request path (a tenant saved before the directory existed gets listed here too).
            this.RegisterGrainTimer(_ => ListAsync(tenant), new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        }

        return Task.CompletedTask;
    }

    public Task<TenantSnapshot> ConfigureAsync(TenantDefinition definition) => SaveAsync(definition, _published?.BootstrapFingerprint);

    public async Task<TenantSnapshot?> CreateAsync(TenantDefinition definition) =>
        _published is null ? await SaveAsync(definition, null) : null;

    public async Task<TenantSnapshot?> RotateSecretAsync(Sensitive secret) => _published is { } current
        ? await SaveAsync(new TenantDefinition { Name = current.Name, Settings = current.Settings, ApiSecret = secret }, current.BootstrapFingerprint)
        : null;

    public Task<TenantSnapshot> BootstrapAsync(TenantDefinition definition)
    {
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{definition.Name}\n{definition.ApiSecret?.Value}\n{TenantSettingsJson.Canonical(definition.Settings)}")));
        return _published is { } current && current.BootstrapFingerprint == fingerprint && (definition.ApiSecret is null || current.ProtectedSecret is not null)
            ? Task.FromResult(Snapshot(current))
            : SaveAsync(definition, fingerprint);
    }

    /// <summary>
    /// Lists the tenant in the operators' directory (the directory writes only when the entry changed). A listing
    /// aid, not part of the tenant: a failure is logged and the next activation lists it again, never failing a save
    /// whose answer may carry a secret shown only once.
    /// </summary>
    private async Task ListAsync(TenantState tenant)
    {
        try
        {
            await GrainFactory.GetGrain<ITenantDirectoryGrain>(0).RegisterAsync(ApiKey, tenant.Name, tenant.CreatedDate);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Listing tenant {ApiKey} in the directory failed ({Error}); its next activation tries again", ApiKey, e.GetType().Name);
        }
    }

    private async Task<TenantSnapshot> SaveAsync(TenantDefinition definition, string? bootstrapFingerprint)
    {
        if (_published is null && definition.ApiSecret is null)
        {
            throw new ArgumentException("A new tenant needs an API secret.", nameof(definition));
        }

        // Settings that went out as a snapshot and come back keep the secrets they show masked.
        var settings = TenantCredentials.KeepMasked(definition.Settings, _published?.Settings);
        if ((settings.Problem() ?? NewTargetProblem(settings)) is { } problem)
        {
            throw new ArgumentException(problem, nameof(definition));
        }

        var now = time.GetUtcNow();
        var next = new TenantState
        {
            Name = definition.Name,
            Settings = WithIds(settings, now),
            ProtectedSecret = definition.ApiSecret is { } clear ? protector.Protect(clear.Value.Trim()) : _published!.ProtectedSecret,
            SecretHash = definition.ApiSecret is { } secret ? HashSecret(secret.Value) : _published!.SecretHash,
            CreatedDate = _published?.CreatedDate ?? time.GetUtcNow(),
            BootstrapFingerprint = bootstrapFingerprint,
        };
        state.State = Sealed(next);
        // Nothing is published unwritten: a failed write keeps the last acknowledged state until the activation goes.
        await state.WriteOrDeactivateAsync(GrainContext);

        var previous = _published;
        _published = next;
        if (previous is null || previous.Name != next.Name)
        {
            await ListAsync(next);
        }

        return Snapshot(next);
    }

    public async Task<TenantSettingsChange> ChangeSettingsAsync(string patch)
    {
        if (_published is not { } current)
        {
            return new TenantSettingsChange(null, "There is no such tenant.");
        }

        if ((TenantSettingsJson.TryMerge(current.Settings, patch, out var settings) ?? NewTargetProblem(settings)) is { } problem)
        {
            return new TenantSettingsChange(null, problem);
        }

        return new TenantSettingsChange(await ConfigureAsync(new TenantDefinition { Name = current.Name, Settings = settings }), null);
    }

    public async Task<WebhookOutcome> SaveWebhookAsync(WebhookSubscription subscription)
    {
        if (_published is not { } current)
        {
            return new WebhookOutcome(null, new Problem(ErrorCode.ApiKeyUnauthorized));
        }

        var policy = current.Settings.Webhooks;
        var existing = policy.Subscriptions.FirstOrDefault(s => s.Id == subscription.Id);
        if (subscription.Id.Length > 0 && existing is null)
        {
            return new WebhookOutcome(null, new Problem(ErrorCode.WebhookNotSubscribed));
        }

        var now = time.GetUtcNow();
        var saved = TenantSettingsJson.KeepMaskedSecrets(subscription, existing) with
        {
            Id = existing?.Id ?? Guid.NewGuid().ToString(),
            // A subscription made before signing keys existed keeps none: it goes on being signed with the API secret.
            SigningKey = existing is null ? WebhookSubscription.NewSigningKey() : existing.SigningKey,
            Event = WebhookEvents.Canonical(subscription.Event) ?? subscription.Event,
            CreatedDate = existing?.CreatedDate ?? now,
            LastModifiedDate = now,
        };
        if (saved.Check(outbound) is { } refused)
        {
            return new WebhookOutcome(null, refused);
        }

        var others = policy.Subscriptions.Where(s => s.Id != saved.Id && s.Event == saved.Event).ToList();
        if (others.Any(s => string.Equals(s.TargetUrl, saved.TargetUrl, StringComparison.Ordinal)))
        {
            return new WebhookOutcome(null, new Problem(ErrorCode.WebhookAlreadySubscribed));
        }

        if (others.Count >= WebhookPolicy.MaxPerEvent)
        {
            return new WebhookOutcome(null, new Problem(ErrorCode.WebhookLimitReached));
        }

        var subscriptions = policy.Subscriptions.Where(s => s.Id != saved.Id).Append(saved).ToList();
        await ConfigureAsync(new TenantDefinition { Name = current.Name, Settings = current.Settings with { Webhooks = policy with { Subscriptions = subscriptions } } });
        return new WebhookOutcome(saved, null);
    }

    /// <summary>
    /// Why a webhook target that is new or changed may not be reached under the operator's Outbound settings, or null
    /// (targets stored before keep their place; the sender checks them again on every delivery).
    /// </summary>
    private string? NewTargetProblem(TenantSettings settings)
    {
        var stored = _published?.Settings.Webhooks.Subscriptions ?? [];
        var fresh = settings.Webhooks with { Subscriptions = settings.Webhooks.Subscriptions.Where(s => !stored.Any(o => o.Id == s.Id && o.TargetUrl == s.TargetUrl)).ToList() };
        return fresh.TargetProblem(outbound);
    }

    public async Task<Problem?> DeleteWebhookAsync(string id)
    {
        if (_published is not { } current || current.Settings.Webhooks.Subscriptions.All(s => s.Id != id))
        {
            return new Problem(ErrorCode.WebhookNotSubscribed);
        }

        var policy = current.Settings.Webhooks;
        await ConfigureAsync(new TenantDefinition { Name = current.Name, Settings = current.Settings with { Webhooks = policy with { Subscriptions = policy.Subscriptions.Where(s => s.Id != id).ToList() } } });
        return null;
    }

    public Task<string?> SignAsync(string body)
    {
        if (_published?.ProtectedSecret is not { } sealedSecret || protector.Unprotect(sealedSecret) is not { } secret)
        {
            return Task.FromResult<string?>(null);
        }

        return Task.FromResult<string?>(Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))));
    }

    /// <summary>
    /// The signing key of a subscription given without one: the key it has now (found by its id, or by its event and
    /// URL for one from configuration), none for one made before signing keys existed, a new one for a new subscription.
    /// </summary>
    private string? KeyOf(WebhookSubscription subscription) => _published?.Settings.Webhooks.Subscriptions.FirstOrDefault(p =>
        subscription.Id.Length > 0 ? p.Id == subscription.Id : p.Event == (WebhookEvents.Canonical(subscription.Event) ?? subscription.Event) && p.TargetUrl == subscription.TargetUrl) is { } current
        ? current.SigningKey
        : WebhookSubscription.NewSigningKey();

    /// <summary>The state as stored: its settings' secrets sealed.</summary>
    private TenantState Sealed(TenantState tenant) => Copy(tenant, SealedSettings.Seal(tenant.Settings, protector));

    private TenantState Opened(TenantState tenant) => Copy(tenant, SealedSettings.Open(tenant.Settings, protector));

    private static TenantState Copy(TenantState tenant, TenantSettings settings) => new()
    {
        Name = tenant.Name, SecretHash = tenant.SecretHash, Settings = settings, CreatedDate = tenant.CreatedDate,
        BootstrapFingerprint = tenant.BootstrapFingerprint, ProtectedSecret = tenant.ProtectedSecret,
    };

    /// <summary>Subscriptions from configuration get a stable id (from their event and URL), dates and a signing key.</summary>
    private TenantSettings WithIds(TenantSettings settings, DateTimeOffset now) => settings with
    {
        Webhooks = settings.Webhooks with
        {
            Subscriptions = settings.Webhooks.Subscriptions.Select(s => s with
            {
                Id = s.Id.Length > 0 ? s.Id : new Guid(SHA256.HashData(Encoding.UTF8.GetBytes($"{s.Event}\n{s.TargetUrl}"))[..16]).ToString(),
                Event = WebhookEvents.Canonical(s.Event) ?? s.Event,
                CreatedDate = s.CreatedDate == default ? now : s.CreatedDate,
                LastModifiedDate = s.LastModifiedDate == default ? now : s.LastModifiedDate,
                SigningKey = s.SigningKey is null or "" or TenantSettingsJson.Masked ? KeyOf(s) : s.SigningKey,
            }).ToList(),
        },
    };

    public Task<TenantAccess> AuthorizeAsync(Sensitive? apiSecret, bool requireSecret)
    {
        var tenant = _published;
        if (tenant is null)
        {
            return Task.FromResult(new TenantAccess(null, new Problem(ErrorCode.ApiKeyUnauthorized)));
        }

        if (tenant.Settings.Plan.IsExpired(time.GetUtcNow()))
        {
            return Task.FromResult(new TenantAccess(null, new Problem(ErrorCode.TrialPlanExpired)));
        }

        if (requireSecret && !SecretMatches(tenant, apiSecret))
        {
            return Task.FromResult(new TenantAccess(null, new Problem(ErrorCode.ApiSecretUnauthorized)));
        }

        return Task.FromResult(new TenantAccess(Snapshot(tenant), null));
    }

    public Task<TenantInfo> GetInfoAsync() => Task.FromResult(_published is { } tenant
        ? new TenantInfo(ApiKey, tenant.Name, tenant.CreatedDate, TenantCredentials.Withheld(tenant.Settings))
        : new TenantInfo(ApiKey, "", default, null));

    public Task<BotProtectionPolicy?> GetBotProtectionAsync() => Task.FromResult(_published?.Settings.BotProtection);

    public Task<WebhookTarget?> GetWebhookTargetAsync(string subscriptionId) => Task.FromResult(
        _published is { } tenant && !tenant.Settings.Plan.IsExpired(time.GetUtcNow()) ? tenant.Settings.Webhooks.Target(subscriptionId) : null);

    public async Task<SottAccess> AuthorizeSottAsync(string? sott)
    {
        var access = await AuthorizeAsync(null, false);
        if (access.Tenant is null || _published is not { } tenant)
        {
            return new SottAccess(access, SottRefusal.None);
        }

        var refusal = string.IsNullOrWhiteSpace(sott) ? SottRefusal.Missing
            : SottKey(tenant) is { } key ? SecureOneTimeToken.Check(key, ApiKey, sott, time.GetUtcNow())
            : SottRefusal.SecretNotHeld;
        return new SottAccess(access, refusal);
    }

    public Task<IssuedSott?> IssueSottAsync(int minutes)
    {
        if (_published is not { } tenant || SottKey(tenant) is not { } key)
        {
            return Task.FromResult<IssuedSott?>(null);
        }

        var now = time.GetUtcNow();
        var start = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var end = start.AddMinutes(minutes);
        return Task.FromResult<IssuedSott?>(new IssuedSott(new Sensitive(SecureOneTimeToken.Make(key, ApiKey, start, end)), end));
    }

    public async Task<TenantAccess> AuthorizeSignedAsync(SignedRequest request)
    {
        var access = await AuthorizeAsync(null, false);
        if (access.Tenant is null || _published is not { } tenant)
        {
            return access;
        }

        // A secret set before it was kept sealed cannot check a signature: as a wrong one (1208) until it is rotated.
        var secret = tenant.ProtectedSecret is { } sealedSecret ? protector.Unprotect(sealedSecret) : null;
        var problem = RequestSignature.Check(secret, request, time.GetUtcNow());
        return problem is null ? access : new TenantAccess(null, problem);
    }

    private byte[]? SottKey(TenantState tenant)
    {
        if (tenant.ProtectedSecret is not { } sealedSecret)
        {
            return null;
        }

        if (_sottKey is { } cached && cached.Sealed == sealedSecret)
        {
            return cached.Key;
        }

        if (protector.Unprotect(sealedSecret) is not { } secret)
        {
            return null;
        }

        var key = SecureOneTimeToken.DeriveKey(secret);
        _sottKey = (sealedSecret, key);
        return key;
    }

    private static bool SecretMatches(TenantState tenant, Sensitive? secret) =>
        secret is { } given && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(HashSecret(given.Value)), Encoding.ASCII.GetBytes(tenant.SecretHash));

    private TenantSnapshot Snapshot(TenantState tenant) => new(ApiKey, tenant.Name, TenantCredentials.Withheld(tenant.Settings));

    private static string HashSecret(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret.Trim())));
}
