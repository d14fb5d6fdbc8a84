using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Metadata;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// A JSON merge patch (RFC 7396) of the tenant's settings, by the names the settings answer shows: only what is
/// named changes, <c>null</c> restores a default, <c>********</c> keeps a secret. Sent as <c>application/json</c> or
/// <c>application/merge-patch+json</c>.
/// </summary>
/// <remarks>
/// Kept as sent (<see cref="Text"/>) for the tenant grain to merge and check: its names are the settings', not a
/// record's. Read as every body is (<see cref="RequestJson.BodyAsync"/>: any JSON content type, 965/1079, 1083, 413).
/// </remarks>
[Example("""{"Lockout": {"MaxFailedAttempts": 3, "Type": "Captcha"}, "BotProtection": {"Provider": "ReCaptchaV2", "Secret": "<secret>"}}""", IsJson = true)]
public sealed record MergePatch : IBindableFromHttpContext<MergePatch>, IEndpointParameterMetadataProvider
{
    private MergePatch(JsonBody json) => Json = json;

    [JsonIgnore]
    public JsonBody Json { get; }

    /// <summary>The patch as sent.</summary>
    [JsonIgnore]
    public string Text => Json.Root.GetRawText();

    public static async ValueTask<MergePatch?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        new(await RequestJson.BodyAsync(context.Request));

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder)
    {
        // No content types, as RequestBody's: the content type is checked when the body is read, after the caller.
        builder.Metadata.Add(new AcceptsMetadata([], typeof(MergePatch)));
        builder.Metadata.Add(JsonBodyMetadata.Instance);
    }
}
