using System.Text.Json;
using System.Text.Json.Nodes;
using PinOrleans.Accounts;
using PinOrleans.Sessions;

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

    /// <summary>A login answer: <c>Profile</c>, the tokens, and the PIN session when one was started.</summary>
    public static JsonObject Login(UserProfile profile, IssuedTokens tokens)
    {
        var json = new JsonObject
        {
            ["Profile"] = Render(profile),
            ["access_token"] = tokens.AccessToken,
            ["refresh_token"] = tokens.RefreshToken,
            ["expires_in"] = LoginRadiusJson.Timestamp(tokens.ExpiresIn),
        };
        if (tokens.SessionToken is { } session)
        {
            json["session_token"] = session;
            json["session_expires_in"] = LoginRadiusJson.Timestamp(tokens.SessionExpiresIn);
        }

        return json;
    }
}
