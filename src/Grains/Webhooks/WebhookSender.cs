using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace PinOrleans.Webhooks;

/// <summary>What one delivery attempt came to.</summary>
public sealed record WebhookAttempt(bool Delivered, int? Status, string Error);

/// <summary>
/// Posts a webhook body to its target: the subscription's headers, query parameters and authentication, the
/// <c>signature</c> header, a per-attempt timeout, no redirects (a 3xx is a failed attempt), and, unless the tenant
/// allows internal targets, a connection only to public addresses (checked on the resolved address, so a name that
/// resolves to 127.0.0.1 or 10.x is refused too).
/// </summary>
public sealed class WebhookSender(IHttpClientFactory clients)
{
    public const string PublicOnly = "webhooks";
    public const string AnyAddress = "webhooks-internal";

    public static void Register(IServiceCollection services)
    {
        services.AddHttpClient(PublicOnly, c => c.Timeout = Timeout.InfiniteTimeSpan).ConfigurePrimaryHttpMessageHandler(() => Handler(publicOnly: true));
        services.AddHttpClient(AnyAddress, c => c.Timeout = Timeout.InfiniteTimeSpan).ConfigurePrimaryHttpMessageHandler(() => Handler(publicOnly: false));
        services.AddSingleton<WebhookSender>();
    }

    private static SocketsHttpHandler Handler(bool publicOnly) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, cancellation) =>
        {
            var addresses = IPAddress.TryParse(context.DnsEndPoint.Host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellation);
            var allowed = addresses.Where(a => !publicOnly || WebhookTargets.IsPublic(a)).ToArray();
            if (allowed.Length == 0)
            {
                throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves to no public address");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellation);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public async Task<WebhookAttempt> SendAsync(WebhookSubscription subscription, WebhookPolicy policy, string body, string signature, CancellationToken cancellation)
    {
        var url = subscription.TargetUrl;
        if (subscription.QueryParams.Count > 0)
        {
            url += (url.Contains('?') ? "&" : "?") + string.Join('&', subscription.QueryParams.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("signature", signature);
        request.Headers.UserAgent.ParseAdd("PinOrleans-Webhooks/1.0");
        foreach (var (name, value) in subscription.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Authorization = subscription.Authentication switch
        {
            { AuthType: "Basic", BasicAuth: { } basic } => new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basic.Username}:{basic.Password}"))),
            { AuthType: "BearerToken", BearerToken: { } bearer } => new AuthenticationHeaderValue("Bearer", bearer.Token),
            _ => null,
        };

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(policy.TimeoutSeconds));
        var client = clients.CreateClient(policy.AllowPrivateNetworks ? AnyAddress : PublicOnly);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new WebhookAttempt(true, status, "")
                : new WebhookAttempt(false, status, status is >= 300 and < 400 ? $"HTTP {status} (redirects are not followed)" : $"HTTP {status}");
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new WebhookAttempt(false, null, $"no answer within {policy.TimeoutSeconds} s");
        }
        catch (HttpRequestException e)
        {
            return new WebhookAttempt(false, null, e.InnerException?.Message ?? e.Message);
        }
    }
}
