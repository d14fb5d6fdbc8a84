using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PinOrleans.Tenants;

/// <summary>
/// Tenant settings as JSON, with the same names as configuration (<c>{"Lockout":{"MaxFailedAttempts":5}}</c>):
/// rendered with secrets masked, and changed by a merge patch (RFC 7396: objects merge, values replace, null
/// restores the default) so an operator sends only what changes.
/// </summary>
public static class TenantSettingsJson
{
    /// <summary>What a secret shows as; sending it back keeps the stored secret.</summary>
    public const string Masked = "********";

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = null,
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    private static readonly (string Section, string Name)[] Secrets =
        [("BotProtection", nameof(BotProtectionPolicy.Secret)), ("BotProtection", nameof(BotProtectionPolicy.TencentAppSecretKey))];

    /// <summary>The settings in full (secrets included), always in the same form: for fingerprints, never for output.</summary>
    public static string Canonical(TenantSettings settings) => JsonSerializer.Serialize(settings, Options);

    public static JsonObject Render(TenantSettings settings)
    {
        var json = JsonSerializer.SerializeToNode(settings, Options)!.AsObject();
        foreach (var (section, name) in Secrets)
        {
            if (json[section]?[name] is not null)
            {
                json[section]![name] = Masked;
            }
        }

        foreach (var subscription in json["Webhooks"]?["Subscriptions"]?.AsArray() ?? [])
        {
            MaskWebhookSecrets(subscription?["Authentication"]);
            if (subscription?["SigningKey"] is not null)
            {
                subscription["SigningKey"] = Masked;
            }
        }

        return json;
    }

    /// <summary>Masks <c>BasicAuth.Password</c> and <c>BearerToken.Token</c> of a webhook's <c>Authentication</c> object.</summary>
    public static void MaskWebhookSecrets(JsonNode? authentication)
    {
        if (authentication?["BasicAuth"] is JsonObject basic && basic["Password"] is not null)
        {
            basic["Password"] = Masked;
        }

        if (authentication?["BearerToken"] is JsonObject bearer && bearer["Token"] is not null)
        {
            bearer["Token"] = Masked;
        }
    }

    /// <summary>
    /// A subscription whose secrets came back masked keeps the ones stored under the same id; its signing key is
    /// kept unless a new one is given.
    /// </summary>
    public static Webhooks.WebhookSubscription KeepMaskedSecrets(Webhooks.WebhookSubscription given, Webhooks.WebhookSubscription? stored)
    {
        if (given.SigningKey is null or Masked && stored is not null)
        {
            given = given with { SigningKey = stored.SigningKey };
        }

        if (given.Authentication is not { } auth || stored?.Authentication is not { } old)
        {
            return given;
        }

        return given with
        {
            Authentication = auth with
            {
                BasicAuth = auth.BasicAuth is { Password: Masked } basic ? basic with { Password = old.BasicAuth?.Password ?? "" } : auth.BasicAuth,
                BearerToken = auth.BearerToken is { Token: Masked } bearer ? bearer with { Token = old.BearerToken?.Token ?? "" } : auth.BearerToken,
            },
        };
    }

    /// <summary>
    /// <paramref name="current"/> with <paramref name="patch"/> applied and checked as a whole
    /// (<see cref="TenantSettings.Problem"/>): null and the settings, or why the patch cannot apply.
    /// </summary>
    public static string? TryMerge(TenantSettings current, string patch, out TenantSettings settings)
    {
        try
        {
            settings = Merge(current, patch);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            settings = current;
            return e.Message;
        }

        return settings.Problem();
    }

    /// <summary>The settings with <paramref name="patch"/> applied; throws <see cref="JsonException"/> naming what is wrong.</summary>
    public static TenantSettings Merge(TenantSettings current, string patch)
    {
        var changes = JsonNode.Parse(patch, new JsonNodeOptions { PropertyNameCaseInsensitive = true }) as JsonObject
            ?? throw new JsonException("The settings patch must be a JSON object.");
        var merged = JsonSerializer.SerializeToNode(current, Options)!.AsObject();
        var defaults = JsonSerializer.SerializeToNode(new TenantSettings(), Options)!.AsObject();
        Apply(merged, changes, defaults, "");
        TenantSettings settings;
        try
        {
            settings = merged.Deserialize<TenantSettings>(Options) ?? throw new JsonException("The settings patch must be a JSON object.");
        }
        catch (JsonException e) when (e.Path is { Length: > 2 } path)
        {
            // The serializer's own text names .NET types; say which setting, in the API's terms.
            throw new JsonException($"Setting '{path[2..]}' does not take that value (see the configuration reference for what it takes).", e);
        }

        return settings with
        {
            Webhooks = settings.Webhooks with
            {
                Subscriptions = settings.Webhooks.Subscriptions
                    .Select(s => KeepMaskedSecrets(s, current.Webhooks.Subscriptions.FirstOrDefault(c => c.Id == s.Id)))
                    .ToList(),
            },
        };
    }

    private static void Apply(JsonObject target, JsonObject changes, JsonObject? defaults, string path)
    {
        foreach (var (given, value) in changes)
        {
            var name = target.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, given, StringComparison.OrdinalIgnoreCase))
                ?? throw new JsonException($"Unknown setting '{path}{given}'.");
            var fallback = defaults?[name];
            if (value is null)
            {
                target[name] = fallback?.DeepClone();
            }
            else if (value is JsonObject entries && target[name] is JsonObject map && fallback is JsonObject { Count: 0 })
            {
                // A map of the settings' (security questions, templates): entries merge, null removes one.
                foreach (var (key, entry) in entries)
                {
                    map.Remove(key);
                    if (entry is not null)
                    {
                        map[key] = entry.DeepClone();
                    }
                }
            }
            else if (value is JsonObject inner && target[name] is JsonObject existing && fallback is JsonObject)
            {
                Apply(existing, inner, fallback as JsonObject, $"{path}{name}:");
            }
            else if (value is JsonValue masked && masked.TryGetValue<string>(out var text) && text == Masked && Secrets.Contains((path.TrimEnd(':'), name)))
            {
                // The masked secret sent back: keep the stored one.
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }
}
