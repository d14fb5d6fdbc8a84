using System.Text.Json;
using Microsoft.Extensions.Primitives;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Wire;

/// <summary>
/// Reading a LoginRadius request the way the official clients send it: query keys in any casing
/// (ASP.NET Core's query collection is case-insensitive), the API key in the query or
/// <c>X-LoginRadius-ApiKey</c>, the secret in <c>X-LoginRadius-ApiSecret</c> or the query.
/// Failures throw <see cref="LoginRadiusException"/>, rendered by <see cref="LoginRadiusErrorHandling"/>.
/// </summary>
public static class ApiRequest
{
    /// <summary>The identifiers an account is found by, with the parameter names LoginRadius gives them.</summary>
    public static readonly (Accounts.IdentifierKind Kind, string Name)[] Identifiers =
        [(Accounts.IdentifierKind.Email, "email"), (Accounts.IdentifierKind.UserName, "username"), (Accounts.IdentifierKind.Phone, "phone")];

    /// <summary>The largest JSON body accepted; LoginRadius payloads are a few kilobytes.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>A query parameter, or null when absent or blank. A parameter given twice with different values is malformed.</summary>
    public static string? Query(HttpRequest request, string name)
    {
        var values = request.Query[name];
        if (values.Count <= 1)
        {
            // The common case, without the allocations of the general one below.
            return string.IsNullOrWhiteSpace(values.ToString()) ? null : values.ToString().Trim();
        }

        var distinct = values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        return distinct.Length switch
        {
            0 => null,
            1 => distinct[0],
            _ => throw new LoginRadiusException(LoginRadiusError.MalformedParameter(name)),
        };
    }

    /// <summary>
    /// The end user's address: <c>X-Origin-IP</c> (what LoginRadius SDKs forward for the user) or the connection's
    /// address, which <c>X-Forwarded-For</c> sets only when the request came through a configured proxy.
    /// </summary>
    public static string? ClientIp(HttpContext context) =>
        context.Request.Headers[Hosting.ForwardedHeaders.OriginIpHeader].FirstOrDefault(v => !string.IsNullOrWhiteSpace(v) && System.Net.IPAddress.TryParse(v.Trim(), out _))?.Trim()
        ?? context.Connection.RemoteIpAddress?.ToString();

    /// <summary>
    /// The access token from <c>Authorization: Bearer</c>, the <c>access_token</c> query or (when given) the body;
    /// 1060 when there is none. The Node SDK sends it twice (query and header); both are the same token.
    /// </summary>
    public static string AccessToken(HttpRequest request, JsonBody? body = null)
    {
        var header = First(request.Headers.Authorization);
        var bearer = header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        return (string.IsNullOrEmpty(bearer) ? null : bearer) ?? Query(request, "access_token") ?? body?.String("access_token")
            ?? throw LoginRadiusException.Of(ErrorCode.AccessTokenMissing);
    }

    /// <summary>The grant of <paramref name="token"/> (as <see cref="AccessToken"/> read it) when it is live for <paramref name="tenant"/>; else 905 or 906.</summary>
    public static async Task<(string Token, Sessions.TokenGrant Grant)> LiveAccessTokenAsync(string token, IGrainFactory grains, TenantSnapshot tenant)
    {
        var validation = await LoginTokens(token, grains, ErrorCode.AccessTokenInvalid).ValidateAccessAsync(tenant.ApiKey, new Sensitive(token));
        return validation.Grant is { } grant ? (token.Trim().ToLowerInvariant(), grant) : throw LoginRadiusException.Of(validation.Problem!);
    }

    /// <summary>The token pair an access or refresh token belongs to; <paramref name="invalid"/> when it cannot be a token.</summary>
    public static Sessions.ILoginTokensGrain LoginTokens(string token, IGrainFactory grains, ErrorCode invalid) =>
        grains.Reference<Sessions.ILoginTokensGrain>(Sessions.SecretToken.PairKeyOf(token) ?? throw LoginRadiusException.Of(invalid));

    /// <summary>
    /// Whether the request is signed (LoginRadius' API request signing: <c>digest</c> and <c>X-Request-Expires</c>
    /// instead of the secret). Either header makes it so: a signature that is there is checked, never passed over for
    /// a secret beside it, and one with a part missing is 1212.
    /// </summary>
    private static bool IsSigned(HttpRequest request) =>
        First(request.Headers[Security.RequestSignature.DigestHeader]) is not null || First(request.Headers[Security.RequestSignature.ExpiresHeader]) is not null;

    /// <summary>
    /// What a signature must bind: the headers, the URL as sent (absolute, and path with query, as a client behind
    /// a proxy may have signed either) and the exact body text, read into a buffer the JSON binding reads again.
    /// </summary>
    private static async Task<SignedRequest> SignedRequestAsync(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        var target = raw is { Length: > 0 } && raw[0] == '/' ? raw : $"{request.PathBase}{request.Path}{request.QueryString}";
        return new SignedRequest(First(request.Headers[Security.RequestSignature.ExpiresHeader]), First(request.Headers[Security.RequestSignature.DigestHeader]),
            [$"{request.Scheme}://{request.Host}{target}", target], await RawBodyAsync(request));
    }

    /// <summary>The body as text (at most <see cref="MaxBodyBytes"/>, else 413), left readable from its start.</summary>
    private static async Task<string> RawBodyAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var buffer = await ReadLimitedAsync(request);
        request.Body.Position = 0;
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The body's bytes; 413 past <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<MemoryStream> ReadLimitedAsync(HttpRequest request)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                await buffer.DisposeAsync();
                throw new LoginRadiusException(LoginRadiusError.PayloadTooLarge);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer;
    }

    /// <summary>The API key as given (<c>apikey</c> or <c>X-LoginRadius-ApiKey</c>); 908 when missing.</summary>
    private static string ApiKeyOf(HttpRequest request) =>
        Query(request, "apikey") ?? First(request.Headers["X-LoginRadius-ApiKey"])
            ?? throw new LoginRadiusException(LoginRadiusError.MissingParameter("apikey"));

    /// <summary>The API key as the tenant grain's key; 901 when it is not a GUID.</summary>
    private static string GrainKeyOf(string apiKey) =>
        Guid.TryParse(apiKey, out var key) ? key.ToString("D") : throw LoginRadiusException.Of(ErrorCode.ApiKeyUnauthorized);

    /// <summary>The tenant the request is for, checked (exists, plan live, and with <paramref name="requireSecret"/> the secret).</summary>
    public static async Task<TenantSnapshot> TenantAsync(HttpRequest request, IGrainFactory grains, bool requireSecret = false)
    {
        var apiKey = ApiKeyOf(request);
        if (requireSecret && IsSigned(request))
        {
            var signed = await grains.Reference<ITenantGrain>(GrainKeyOf(apiKey)).AuthorizeSignedAsync(await SignedRequestAsync(request));
            return signed.Tenant ?? throw LoginRadiusException.Of(signed.Problem ?? new Problem(ErrorCode.RequestSignatureInvalid));
        }

        Sensitive? secret = null;
        if (requireSecret)
        {
            secret = new Sensitive(First(request.Headers["X-LoginRadius-ApiSecret"]) ?? Query(request, "apisecret")
                ?? throw new LoginRadiusException(LoginRadiusError.MissingParameter("apisecret")));
        }

        var key = GrainKeyOf(apiKey);
        var access = requireSecret
            ? await grains.Reference<ITenantGrain>(key).AuthorizeAsync(secret, requireSecret)
            : await request.HttpContext.RequestServices.GetRequiredService<TenantCache>().AuthorizeAsync(key, grains);
        return access.Tenant ?? throw LoginRadiusException.Of(access.Problem ?? new Problem(ErrorCode.ApiKeyUnauthorized));
    }

    /// <summary>The tenant of a registration, by its API key and the SOTT in <c>X-LoginRadius-Sott</c> (<see cref="SottTenant"/>).</summary>
    public static async Task<TenantSnapshot> SottTenantAsync(HttpRequest request, IGrainFactory grains)
    {
        var apiKey = GrainKeyOf(ApiKeyOf(request));
        var sott = First(request.Headers[Security.SecureOneTimeToken.Header]);
        var answer = await grains.Reference<ITenantGrain>(apiKey).AuthorizeSottAsync(sott);
        var tenant = answer.Access.Tenant ?? throw LoginRadiusException.Of(answer.Access.Problem ?? new Problem(ErrorCode.ApiKeyUnauthorized));
        return answer.Refusal == SottRefusal.None ? tenant : throw new LoginRadiusException(LoginRadiusError.Sott(answer.Refusal));
    }

    /// <summary>
    /// The JSON body as an object. Empty bodies read as <c>{}</c>; anything that is not a JSON object is 965
    /// (1079 for PUT); non-JSON content types are 1083 (HTTP 415); bodies over <see cref="MaxBodyBytes"/> are 413.
    /// </summary>
    public static async Task<JsonBody> BodyAsync(HttpRequest request)
    {
        var invalid = HttpMethods.IsPut(request.Method) ? ErrorCode.PutBodyInvalid : ErrorCode.PostBodyInvalid;
        if (request.ContentType is { } contentType && !IsJson(contentType))
        {
            throw LoginRadiusException.Of(ErrorCode.ContentTypeNotSupported);
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            throw new LoginRadiusException(LoginRadiusError.PayloadTooLarge);
        }

        using var buffer = await ReadLimitedAsync(request);

        if (buffer.Length == 0 || buffer.ToArray().All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
        {
            return new JsonBody(JsonDocument.Parse("{}").RootElement);
        }

        var bytes = buffer.ToArray();
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw LoginRadiusException.Of(invalid);
        }

        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw LoginRadiusException.Of(invalid);
            }

            return new JsonBody(document.RootElement.Clone());
        }
        catch (JsonException)
        {
            throw LoginRadiusException.Of(invalid);
        }
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Length == 0;
    }

    internal static string? First(StringValues values) =>
        values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
}

/// <summary>A JSON object body whose keys are matched case-insensitively, as LoginRadius' own backend does.</summary>
public readonly record struct JsonBody(JsonElement Root)
{
    /// <summary>The first property whose name matches <paramref name="name"/> in any casing.</summary>
    public JsonElement? Property(string name) => Find(Root, name);

    public static JsonElement? Find(JsonElement obj, string name)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    /// <summary>
    /// A string property; null when absent or JSON null. A whole number is read as its digits (clients send PINs
    /// as numbers). Strings that are not valid UTF-16 (lone surrogates) fail validation for <paramref name="name"/>.
    /// </summary>
    public string? String(string name) => StringOf(Property(name), name);

    public static string? StringOf(JsonElement? value, string field) => value?.ValueKind switch
    {
        null or JsonValueKind.Null => null,
        JsonValueKind.String => ReadString(value.Value, field),
        JsonValueKind.Number when value.Value.GetRawText().All(char.IsAsciiDigit) => value.Value.GetRawText(),
        _ => throw Invalid(field, $"The {field} field must be a string."),
    };

    public static LoginRadiusException Invalid(string field, string message) => LoginRadiusException.Of(Problem.Validation(field, message));

    private static string ReadString(JsonElement value, string field)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw Invalid(field, $"The {field} field is not valid text.");
        }
    }
}
