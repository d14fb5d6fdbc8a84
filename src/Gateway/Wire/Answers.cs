using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using PinOrleans.Accounts;
using PinOrleans.Sessions;

namespace PinOrleans.Gateway.Wire;

// The success answers shared by several routes, as LoginRadius spells them. Each route's own answer is a record
// next to its handler; ASP.NET Core writes them with the gateway's JSON settings (names as declared, LoginRadius
// timestamps) and OpenAPI documents them from the same types.

/// <summary><c>{"IsPosted": true}</c>.</summary>
public sealed record Posted([property: Description("Always true.")] bool IsPosted = true)
{
    public static readonly Posted Yes = new();
}

/// <summary><c>{"IsDeleted": true}</c>.</summary>
public sealed record Deleted([property: Description("Always true.")] bool IsDeleted = true)
{
    public static readonly Deleted Yes = new();
}

/// <summary>The LoginRadius Profile object of an account (<see cref="ProfileDocument"/>); never a hash.</summary>
[JsonConverter(typeof(ProfileConverter))]
public sealed record Profile(UserProfile Account)
{
    private sealed class ProfileConverter : JsonConverter<Profile>
    {
        public override Profile Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("A Profile is an answer, never read.");

        public override void Write(Utf8JsonWriter writer, Profile value, JsonSerializerOptions options) =>
            ProfileDocument.Render(value.Account).WriteTo(writer, options);
    }
}

/// <summary>New access and refresh tokens.</summary>
public sealed record TokenPair(
    [property: JsonPropertyName("access_token"), Description("The new access token.")] string AccessToken,
    [property: JsonPropertyName("refresh_token"), Description("The new refresh token.")] string RefreshToken,
    [property: JsonPropertyName("expires_in"), Description("When the access token expires (ISO-8601 UTC).")] DateTimeOffset ExpiresIn)
{
    public static TokenPair Of(IssuedTokens tokens) => new(tokens.AccessToken, tokens.RefreshToken, tokens.ExpiresIn);
}

/// <summary>
/// A login answer: the Profile and the tokens, the PIN session when one was started, and a <c>PINAuthToken</c> when
/// the tenant asks for a PIN the account does not have (only the Profile and it when the PIN is mandatory).
/// </summary>
public sealed record LoginAnswer(
    [property: Description("The account's profile.")] Profile Profile,
    [property: JsonPropertyName("access_token"), Description("The access token (absent while a mandatory PIN is missing)."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AccessToken = null,
    [property: JsonPropertyName("refresh_token"), Description("The refresh token."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RefreshToken = null,
    [property: JsonPropertyName("expires_in"), Description("When the access token expires (ISO-8601 UTC)."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? ExpiresIn = null,
    [property: JsonPropertyName("session_token"), Description("The PIN session token for later PIN logins (password login and setting the PIN)."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SessionToken = null,
    [property: JsonPropertyName("session_expires_in"), Description("When the PIN session expires (ISO-8601 UTC)."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? SessionExpiresIn = null,
    [property: Description("Single use: sets the PIN the tenant asks for (`POST /identity/v2/auth/pin/set/pinauthtoken`)."), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PINAuthToken = null)
{
    public static LoginAnswer Of(LoginOutcome outcome)
    {
        var tokens = outcome.Tokens;
        return new(new Profile(outcome.Profile!), tokens?.AccessToken, tokens?.RefreshToken, tokens?.ExpiresIn,
            tokens?.SessionToken, tokens?.SessionToken is null ? null : tokens.SessionExpiresIn, outcome.PinAuthToken?.Value);
    }
}

/// <summary>Writes times as LoginRadius does: ISO-8601 in UTC with seven fractional digits (<c>2019-09-30T09:51:22.8149253Z</c>).</summary>
public sealed class LoginRadiusTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(LoginRadiusJson.Timestamp(value));
}

/// <summary>A tenant's settings as <see cref="Tenants.TenantSettingsJson.Render"/> shows them: secrets as <c>********</c>.</summary>
[JsonConverter(typeof(SettingsConverter))]
public sealed record Settings(Tenants.TenantSettings Value)
{
    private sealed class SettingsConverter : JsonConverter<Settings>
    {
        public override Settings Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Settings are an answer here, never read.");

        public override void Write(Utf8JsonWriter writer, Settings value, JsonSerializerOptions options) =>
            Tenants.TenantSettingsJson.Render(value.Value).WriteTo(writer, options);
    }
}
