using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Hosting;

/// <summary>Schemas the OpenAPI document cannot read off a type: the error shape, and answers a renderer writes.</summary>
internal static class OpenApiSchemas
{
    /// <summary>
    /// Schemas of the answers written by a renderer rather than by their properties (<see cref="Profile"/>,
    /// <see cref="Settings"/>: read off what the renderer writes), LoginRadius timestamps, and examples.
    /// </summary>
    internal static void DescribeSchema(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(Profile))
        {
            CopyInto(schema, ProfileSchemaDefinition());
        }
        else if (type == typeof(Settings))
        {
            CopyInto(schema, SettingsSchemaDefinition());
        }
        else if (type == typeof(DateTimeOffset) || type == typeof(DateTimeOffset?))
        {
            schema.Type = type == typeof(DateTimeOffset) ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format = "date-time";
            schema.Pattern = null;
        }

        if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(ExampleAttribute), inherit: false) is [ExampleAttribute example, ..])
        {
            schema.Examples = example.Node is { } node ? [node] : null;
        }
    }

    private static void CopyInto(OpenApiSchema schema, OpenApiSchema definition)
    {
        schema.Type = definition.Type;
        schema.Description = definition.Description;
        schema.Properties = definition.Properties;
        schema.Required = definition.Required;
        schema.Examples = definition.Examples;
    }


    // ---------------------------------------------------------------------------------------------------------------
    // Schemas and examples. Examples come from the same renderers the endpoints use, so they cannot drift.
    // ---------------------------------------------------------------------------------------------------------------

    private const string SampleUid = "5f0c3b2e9a7d4c1e8b6a0f2d4c6e8a1b";
    internal static readonly DateTimeOffset SampleTime = new(2026, 1, 15, 9, 30, 0, TimeSpan.Zero);

    private static string Timestamp(DateTimeOffset time) => LoginRadiusJson.Timestamp(time);

    private static UserProfile SampleProfile() => new()
    {
        Uid = SampleUid,
        ID = SampleUid,
        Email = [new EmailAddress("Primary", "jane@example.com")],
        UserName = "jane",
        PhoneId = "+14155550100",
        EmailVerified = true,
        IsActive = true,
        HasPassword = true,
        PIN = new PinInformation { HasPin = true, Skipped = false, LastPINChangeDate = SampleTime.AddDays(-2) },
        NoOfLogins = 3,
        LastLoginDate = SampleTime,
        CreatedDate = SampleTime.AddDays(-30),
        ModifiedDate = SampleTime.AddDays(-2),
        LastPasswordChangeDate = SampleTime.AddDays(-30),
        ProfileFields = new Dictionary<string, string> { ["FirstName"] = "\"Jane\"", ["LastName"] = "\"Doe\"" },
    };

    private static JsonObject SampleProfileJson() => ProfileJson.Render(SampleProfile());

    internal static OpenApiSchema ErrorSchemaDefinition() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Every error PinOrleans answers, with a non-2xx status (LoginRadius' error shape).",
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["Description"] = Str("What went wrong and what to do, in LoginRadius' words."),
            ["ErrorCode"] = Int("The LoginRadius error code (`docs/loginradius-error-codes.tsv`); for errors only HTTP produces, the HTTP status (404, 405, 413, 429, 503)."),
            ["Message"] = Str("The short message."),
            ["IsProviderError"] = Bool("Always false."),
            ["ProviderErrorResponse"] = new OpenApiSchema { Type = JsonSchemaType.Null | JsonSchemaType.String | JsonSchemaType.Object, Description = "Always null." },
            ["Data"] = ObjectOf(("LoginLockedTimeout", Str("When the suspension ends (ISO-8601 UTC).", "date-time"))).Described("Only for 1198 (suspended account)."),
            ["Errors"] = ArrayOf(ObjectOf(("FieldName", Str("The field.")), ("ErrorMessage", Str("Why it was refused.")))).Described("Only for 1134 (validation failed)."),
        },
        Required = new HashSet<string> { "Description", "ErrorCode", "Message", "IsProviderError", "ProviderErrorResponse" },
        Examples = [LoginRadiusJson.ErrorBody(LoginRadiusError.For(ErrorCode.InvalidPin))],
    };

    private static readonly FrozenDictionary<string, string> ProfileDescriptions = new Dictionary<string, string>
    {
        ["Uid"] = "The account's id: 32 hex characters.",
        ["ID"] = "The same as `Uid`.",
        ["Email"] = "The account's e-mail addresses: `{Type, Value}`.",
        ["UserName"] = "The user name, if any.",
        ["PhoneId"] = "The phone number, if any.",
        ["IsActive"] = "False when an administrator blocked the account (`IsActive: false`).",
        ["IsLoginLocked"] = "Whether a lockout holds now.",
        ["LoginLockedType"] = "The lockout that holds now.",
        ["NoOfLogins"] = "Successful logins (password and PIN).",
        ["PIN"] = "The PIN's state: never the PIN itself (`PIN.PIN` is always null); null when no PIN was ever set or skipped.",
        ["Password"] = "Never present.",
    }.ToFrozenDictionary();

    /// <summary>The Profile schema, inferred from what <see cref="ProfileJson.Render"/> writes.</summary>
    private static OpenApiSchema ProfileSchemaDefinition()
    {
        var example = SampleProfileJson();
        var schema = Infer(example, ProfileDescriptions);
        schema.Description = "The LoginRadius Profile object. Never a hash: there is no `Password`, and `PIN.PIN` is null. Social-profile fields are null unless stored on the account.";
        if (schema.Properties?["LoginLockedType"] is OpenApiSchema lockType)
        {
            lockType.Enum = new[] { "None", "Suspend", "Captcha", "SecurityQuestion", "Block" }.Select(v => (JsonNode)JsonValue.Create(v)!).ToList();
        }

        schema.Examples = [example];
        return schema;
    }

    /// <summary>The settings schema, inferred from what <see cref="TenantSettingsJson.Render"/> writes for the defaults.</summary>
    private static OpenApiSchema SettingsSchemaDefinition()
    {
        var example = TenantSettingsJson.Render(new TenantSettings());
        var schema = Infer(example);
        schema.Description = "The tenant's settings, with the names configuration uses (`Bootstrap:Tenant:...`); secrets shown as `********`. The example shows the defaults.";
        schema.Examples = [example];
        return schema;
    }

    /// <summary>A schema read off an example value: objects, arrays, strings (ISO-8601 times as date-time), numbers, booleans; null is "any".</summary>
    private static OpenApiSchema Infer(JsonNode? node, IReadOnlyDictionary<string, string>? descriptions = null)
    {
        switch (node)
        {
            case JsonObject json:
                return new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = json.ToDictionary(
                        p => p.Key,
                        p =>
                        {
                            var property = Infer(p.Value);
                            property.Description ??= descriptions?.GetValueOrDefault(p.Key);
                            return (IOpenApiSchema)property;
                        }),
                };
            case JsonArray array:
                return new OpenApiSchema { Type = JsonSchemaType.Array, Items = array.Count > 0 ? Infer(array[0]) : new OpenApiSchema() };
            case JsonValue value:
                return value.GetValueKind() switch
                {
                    JsonValueKind.String when DateTimeOffset.TryParseExact(value.GetValue<string>(), "o", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                        => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" },
                    JsonValueKind.String => new OpenApiSchema { Type = JsonSchemaType.String },
                    JsonValueKind.Number => new OpenApiSchema { Type = value.ToJsonString().Contains('.', StringComparison.Ordinal) ? JsonSchemaType.Number : JsonSchemaType.Integer },
                    JsonValueKind.True or JsonValueKind.False => new OpenApiSchema { Type = JsonSchemaType.Boolean },
                    _ => new OpenApiSchema(),
                };
            default:
                return new OpenApiSchema();
        }
    }

    private static OpenApiSchema Str(string description, string? format = null) => new() { Type = JsonSchemaType.String, Description = description, Format = format };

    private static OpenApiSchema Bool(string description) => new() { Type = JsonSchemaType.Boolean, Description = description };

    private static OpenApiSchema Int(string description) => new() { Type = JsonSchemaType.Integer, Description = description };

    private static OpenApiSchema ArrayOf(IOpenApiSchema items) => new() { Type = JsonSchemaType.Array, Items = items };

    private static OpenApiSchema ObjectOf(params (string Name, IOpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema),
    };

    private static OpenApiSchema Require(this OpenApiSchema schema, params string[] names)
    {
        schema.Required = new HashSet<string>(names);
        return schema;
    }

    private static OpenApiSchema Described(this OpenApiSchema schema, string description)
    {
        schema.Description = description;
        return schema;
    }


}
