using System.Text.Json;
using System.Text.Json.Nodes;
using PinOrleans.Accounts;

namespace PinOrleans.Gateway.Wire;

/// <summary>The Profile object (<see cref="ProfileDocument"/>) and the login answers around it.</summary>
public static class ProfileJson
{
    /// <summary>Picks the settable profile fields out of a body; any field of the wrong kind answers 1134.</summary>
    public static Dictionary<string, string> ReadProfileFields(JsonElement body)
    {
        var errors = new List<FieldError>();
        var fields = ProfileDocument.ReadProfileFields(body, errors);
        return errors.Count == 0 ? fields : throw LoginRadiusException.Of(new Problem(ErrorCode.ValidationFailed) { Errors = errors });
    }

    public static JsonObject Render(UserProfile profile) => ProfileDocument.Render(profile);
}
