using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PinOrleans.Cli;

/// <summary>A JSON answer of the gateway: parsed, and as received (what <c>--json</c> prints).</summary>
internal sealed record Answer(JsonNode Json, string Raw);

/// <summary>Where the gateway is and the credentials pinctl was given (options first, then PINCTL_* variables).</summary>
internal sealed record Connection(Uri BaseUrl, string AdminUser, string? AdminPassword, string? ApiKey, string? ApiSecret);

/// <summary>
/// Pinctl's only way to the service: HTTP to the gateway. The administrator's credentials go in an
/// <c>Authorization: Basic</c> header, the tenant's secret in <c>X-LoginRadius-ApiSecret</c>, never in a URL.
/// </summary>
internal sealed class GatewayClient(HttpClient http, Connection connection)
{

    public string ApiKey => connection.ApiKey
        ?? throw new UsageException("this command needs the tenant's API key: --apikey or PINCTL_APIKEY.");

    /// <summary>Fails before any request when the tenant's key or secret is missing.</summary>
    public void RequireTenantSecret()
    {
        if (connection.ApiKey is null || connection.ApiSecret is null)
        {
            throw new UsageException("this command needs the tenant's API key and secret: --apikey and --apisecret (or PINCTL_APIKEY and PINCTL_APISECRET).");
        }
    }

    /// <summary>A route of the admin API, <c>/pinorleans/v1/admin/{path}</c>.</summary>
    public Task<Answer> AdminAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        if (connection.AdminPassword is not { Length: > 0 } password)
        {
            throw new UsageException("this command needs the administrator's password: --admin-password or PINCTL_ADMIN_PASSWORD.");
        }

        var request = Request(method, "pinorleans/v1/admin/" + path, body);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.AdminUser}:{password}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        return SendAsync(request);
    }

    /// <summary>A LoginRadius management route (API key and secret); <paramref name="path"/> may carry a query.</summary>
    public Task<Answer> ManageAsync(HttpMethod method, string path, JsonNode? body = null)
    {
        RequireTenantSecret();
        var request = Request(method, WithApiKey(path), body);
        request.Headers.Add("X-LoginRadius-ApiSecret", connection.ApiSecret);
        return SendAsync(request);
    }

    /// <summary>A LoginRadius route that needs only the API key.</summary>
    public Task<Answer> PublicAsync(HttpMethod method, string path) => SendAsync(Request(method, WithApiKey(path), null));

    private string WithApiKey(string path) =>
        $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}apikey={Uri.EscapeDataString(ApiKey)}";

    private HttpRequestMessage Request(HttpMethod method, string relative, JsonNode? body)
    {
        var request = new HttpRequestMessage(method, new Uri(connection.BaseUrl, relative));
        request.Headers.UserAgent.ParseAdd("pinctl");
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    private async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using (request)
        using (var response = await http.SendAsync(request))
        {
            var raw = await response.Content.ReadAsStringAsync();
            var json = Parse(raw);
            if (!response.IsSuccessStatusCode)
            {
                throw GatewayException.From((int)response.StatusCode, response.ReasonPhrase, json);
            }

            return json is null
                ? throw new GatewayException((int)response.StatusCode, "The gateway's answer is not JSON.", [])
                : new Answer(json, raw);
        }
    }

    private static JsonNode? Parse(string raw)
    {
        try
        {
            return raw.Length == 0 ? null : JsonNode.Parse(raw);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
