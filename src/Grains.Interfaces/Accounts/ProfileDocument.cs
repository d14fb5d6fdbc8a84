using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PinOrleans.Accounts;

/// <summary>
/// The LoginRadius Profile object, as API answers and webhook payloads carry it. Identity and login fields come from
/// the account; the social-profile fields LoginRadius always emits are given as stored on the account, else null
/// (counters 0), so typed SDKs bind. Never a hash: <c>Password</c> is absent and <c>PIN.PIN</c> is null.
/// </summary>
public static class ProfileDocument
{
    private enum Kind
    {
        Text,
        Count,
        Flag,
        List,
        Object,
    }

    /// <summary>Profile fields a client may set on an account, with the JSON kind LoginRadius gives them.</summary>
    private static readonly (string Name, Kind Kind)[] ProfileFields =
    [
        ("Prefix", Kind.Text), ("FirstName", Kind.Text), ("MiddleName", Kind.Text), ("LastName", Kind.Text), ("Suffix", Kind.Text),
        ("FullName", Kind.Text), ("NickName", Kind.Text), ("ProfileName", Kind.Text), ("BirthDate", Kind.Text), ("Gender", Kind.Text),
        ("Website", Kind.Text), ("Country", Kind.Object), ("ThumbnailImageUrl", Kind.Text), ("ImageUrl", Kind.Text), ("Favicon", Kind.Text),
        ("ProfileUrl", Kind.Text), ("HomeTown", Kind.Text), ("State", Kind.Text), ("City", Kind.Text), ("Industry", Kind.Text),
        ("About", Kind.Text), ("TimeZone", Kind.Text), ("LocalLanguage", Kind.Text), ("CoverPhoto", Kind.Text), ("TagLine", Kind.Text),
        ("Language", Kind.Text), ("Verified", Kind.Text), ("UpdatedTime", Kind.Text), ("Positions", Kind.List), ("Educations", Kind.List),
        ("PhoneNumbers", Kind.List), ("IMAccounts", Kind.List), ("Addresses", Kind.List), ("MainAddress", Kind.Text), ("Created", Kind.Text),
        ("LocalCity", Kind.Text), ("ProfileCity", Kind.Text), ("LocalCountry", Kind.Text), ("ProfileCountry", Kind.Text),
        ("RelationshipStatus", Kind.Text), ("Quota", Kind.Text), ("Quote", Kind.Text), ("InterestedIn", Kind.List), ("Interests", Kind.List),
        ("Religion", Kind.Text), ("Political", Kind.Text), ("Sports", Kind.List), ("InspirationalPeople", Kind.List), ("HttpsImageUrl", Kind.Text),
        ("FollowersCount", Kind.Count), ("FriendsCount", Kind.Count), ("IsGeoEnabled", Kind.Text), ("TotalStatusesCount", Kind.Count),
        ("Associations", Kind.Text), ("NumRecommenders", Kind.Count), ("Honors", Kind.Text), ("Awards", Kind.List), ("Skills", Kind.List),
        ("CurrentStatus", Kind.List), ("Certifications", Kind.List), ("Courses", Kind.List), ("Volunteer", Kind.List),
        ("RecommendationsReceived", Kind.List), ("Languages", Kind.List), ("Projects", Kind.List), ("Games", Kind.List), ("Family", Kind.List),
        ("TeleVisionShow", Kind.List), ("MutualFriends", Kind.List), ("Movies", Kind.List), ("Books", Kind.List), ("AgeRange", Kind.Object),
        ("PublicRepository", Kind.Text), ("Hireable", Kind.Flag), ("RepositoryUrl", Kind.Text), ("Age", Kind.Text), ("Patents", Kind.List),
        ("FavoriteThings", Kind.List), ("ProfessionalHeadline", Kind.Text), ("ProviderAccessCredential", Kind.Object),
        ("RelatedProfileViews", Kind.List), ("KloutScore", Kind.Object), ("LRUserID", Kind.Text), ("PlacesLived", Kind.List),
        ("Publications", Kind.List), ("JobBookmarks", Kind.List), ("Suggestions", Kind.Object), ("Badges", Kind.List),
        ("MemberUrlResources", Kind.List), ("TotalPrivateRepository", Kind.Count), ("Currency", Kind.Text), ("StarredUrl", Kind.Text),
        ("GistsUrl", Kind.Text), ("PublicGists", Kind.Count), ("PrivateGists", Kind.Count), ("Subscription", Kind.Object), ("Company", Kind.Text),
        ("GravatarImageUrl", Kind.Text), ("ProfileImageUrls", Kind.Object), ("WebProfiles", Kind.Object), ("PinsCount", Kind.Count),
        ("BoardsCount", Kind.Count), ("LikesCount", Kind.Count), ("CustomFields", Kind.Object),
    ];

    private static readonly FrozenDictionary<string, (string Name, Kind Kind)> ByName =
        ProfileFields.ToFrozenDictionary(f => f.Name, f => f, StringComparer.OrdinalIgnoreCase);

    /// <summary>The largest raw JSON one profile field may hold.</summary>
    private const int MaxFieldJsonLength = 8 * 1024;

    /// <summary>Picks the settable profile fields out of a body, under their canonical names, checking their JSON kinds (failures go to <paramref name="errors"/>).</summary>
    public static Dictionary<string, string> ReadProfileFields(JsonElement body, List<FieldError> errors)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in body.EnumerateObject())
        {
            if (!ByName.TryGetValue(property.Name, out var field) || property.Value.ValueKind == JsonValueKind.Null || fields.ContainsKey(field.Name))
            {
                continue;
            }

            var kindOk = field.Kind switch
            {
                Kind.Text => property.Value.ValueKind == JsonValueKind.String,
                Kind.Count => property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out _),
                Kind.Flag => property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                Kind.List => property.Value.ValueKind == JsonValueKind.Array,
                _ => property.Value.ValueKind == JsonValueKind.Object,
            };
            var raw = property.Value.GetRawText();
            if (!kindOk)
            {
                errors.Add(new FieldError(field.Name, $"The {field.Name} field has the wrong type."));
            }
            else if (raw.Length > MaxFieldJsonLength)
            {
                errors.Add(new FieldError(field.Name, $"The {field.Name} field is too long."));
            }
            else if (!IsValidText(property.Value, allowControl: field.Kind != Kind.Text))
            {
                errors.Add(new FieldError(field.Name, $"The {field.Name} field is not valid text."));
            }
            else
            {
                fields[field.Name] = raw;
            }
        }

        return fields;
    }

    /// <summary>The settable profile fields a body gives as <c>null</c> (what <c>nullsupport=true</c> clears), under their canonical names.</summary>
    public static List<string> ReadClearedFields(JsonElement body) =>
        body.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Null && ByName.ContainsKey(p.Name))
            .Select(p => ByName[p.Name].Name)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    public static JsonObject Render(UserProfile profile)
    {
        var json = new JsonObject
        {
            ["Uid"] = profile.Uid,
            ["ID"] = profile.ID,
            ["Provider"] = "Email",
            ["RegistrationProvider"] = "Email",
            ["RegistrationSource"] = "API",
            ["Email"] = new JsonArray(profile.Email.Select(e => (JsonNode)new JsonObject { ["Type"] = e.Type, ["Value"] = e.Value }).ToArray()),
            ["UnverifiedEmail"] = profile.UnverifiedEmail.Count == 0
                ? null
                : new JsonArray(profile.UnverifiedEmail.Select(e => (JsonNode)new JsonObject { ["Type"] = e.Type, ["Value"] = e.Value }).ToArray()),
            ["UserName"] = profile.UserName,
            ["PhoneId"] = profile.PhoneId,
            ["EmailVerified"] = profile.EmailVerified,
            ["PhoneIdVerified"] = profile.PhoneIdVerified,
            ["IsActive"] = profile.IsActive,
            ["IsDeleted"] = false,
            ["IsProtected"] = false,
            ["IsCustomUid"] = false,
            ["IsEmailSubscribed"] = false,
            ["IsRequiredFieldsFilledOnce"] = true,
            ["IsSecurePassword"] = null,
            ["IsPasswordBreached"] = false,
            ["FirstLogin"] = profile.NoOfLogins <= 1,
            ["IsLoginLocked"] = profile.IsLoginLocked,
            ["LoginLockedType"] = profile.LoginLockedType,
            ["NoOfLogins"] = profile.NoOfLogins,
            // LoginRadius shows a never-used account's last login as the zero date.
            ["LastLoginDate"] = profile.LastLoginDate is { } lastLogin ? Timestamp(lastLogin) : "0001-01-01T00:00:00",
            ["LastLoginLocation"] = null,
            ["CreatedDate"] = Timestamp(profile.CreatedDate),
            ["ModifiedDate"] = Timestamp(profile.ModifiedDate),
            ["ProfileModifiedDate"] = Timestamp(profile.ModifiedDate),
            ["SignupDate"] = Timestamp(profile.CreatedDate),
            ["PasswordExpirationDate"] = null,
            ["LastPasswordChangeDate"] = Timestamp(profile.LastPasswordChangeDate),
            ["LastPasswordChangeToken"] = null,
            ["PIN"] = profile.PIN is { } pin
                ? new JsonObject
                {
                    ["Skipped"] = pin.Skipped,
                    ["PIN"] = null,
                    ["LastPINChangeDate"] = Timestamp(pin.LastPINChangeDate),
                    ["SkippedDate"] = Timestamp(pin.SkippedDate),
                }
                : null,
            ["Roles"] = null,
            ["ExternalIds"] = null,
            ["ExternalUserLoginId"] = null,
            ["PreviousUids"] = profile.PreviousUids.Count == 0 ? null : new JsonArray(profile.PreviousUids.Select(u => (JsonNode?)u).ToArray()),
            ["Identities"] = null,
            ["PrivacyPolicy"] = null,
            ["ConsentProfile"] = null,
            ["RegistrationData"] = null,
            ["SessionLimit"] = 0,
        };

        foreach (var (name, kind) in ProfileFields)
        {
            json[name] = profile.ProfileFields.TryGetValue(name, out var raw)
                ? JsonNode.Parse(raw)
                : kind switch
                {
                    Kind.Count => 0,
                    Kind.Flag => false,
                    _ => null,
                };
        }

        return json;
    }

    /// <summary>ISO-8601 UTC, as LoginRadius writes times.</summary>
    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("o", CultureInfo.InvariantCulture);

    public static JsonNode? Timestamp(DateTimeOffset? value) => value is { } v ? JsonValue.Create(Timestamp(v)) : null;

    /// <summary>Every string and property name in the value is valid UTF-16 (and, for plain text, free of control characters).</summary>
    private static bool IsValidText(JsonElement value, bool allowControl)
    {
        try
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() is var text && (allowControl || !text!.Any(char.IsControl)),
                JsonValueKind.Array => value.EnumerateArray().All(item => IsValidText(item, allowControl: true)),
                JsonValueKind.Object => value.EnumerateObject().All(p => p.Name is not null && IsValidText(p.Value, allowControl: true)),
                _ => true,
            };
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
