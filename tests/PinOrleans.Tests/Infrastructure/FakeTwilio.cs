using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// A loopback HTTP server speaking Twilio's Messages and Calls API: Basic authentication with the account SID and
/// auth token, form-encoded <c>To</c>/<c>From</c>/<c>Body</c> (or <c>Twiml</c>), 201 with the resource JSON, or
/// Twilio's error JSON (<c>code</c>, <c>message</c>, <c>more_info</c>, <c>status</c>).
/// </summary>
public sealed class FakeTwilio : IAsyncDisposable
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "fake-twilio-auth-token";
    public const string From = "+15005550006";

    private readonly WebApplication _app;

    public sealed record Delivered(string Resource, string To, string From, string? Body, string? Twiml, string Sid);

    private FakeTwilio(WebApplication app) => _app = app;

    public ConcurrentQueue<Delivered> Sent { get; } = new();

    /// <summary>Answer every request with this HTTP status (and Twilio's error body) until set back to null.</summary>
    public int? FailWith { get; set; }

    public string BaseUrl => LoopbackServer.BaseUrl(_app);

    public static async Task<FakeTwilio> StartAsync()
    {
        var app = LoopbackServer.Create();
        var fake = new FakeTwilio(app);
        app.MapPost("/2010-04-01/Accounts/{account}/{resource}", fake.HandleAsync);
        await app.StartAsync();
        return fake;
    }

    /// <summary>The newest SMS or call to <paramref name="to"/>, waiting up to ten seconds.</summary>
    public async Task<Delivered> LatestToAsync(string to) =>
        (await Eventually.UntilAsync(() => Task.FromResult(Sent.LastOrDefault(d => d.To == to)), found => found is not null, TimeSpan.FromSeconds(10), _ => $"nothing was sent to {to}"))!;

    private async Task<IResult> HandleAsync(string account, string resource, HttpRequest request)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}"));
        if (account != AccountSid || request.Headers.Authorization != expected)
        {
            return Error(401, 20003, "Authenticate");
        }

        if (FailWith is { } status)
        {
            return Error(status, 20500, "Internal Server Error");
        }

        if (!request.HasFormContentType)
        {
            return Error(400, 21601, "Invalid content type");
        }

        var form = await request.ReadFormAsync();
        string? Field(string name) => form.TryGetValue(name, out var value) ? value.ToString() : null;
        var to = Field("To");
        if (string.IsNullOrEmpty(to) || !to.StartsWith('+'))
        {
            return Error(400, 21211, $"The 'To' number {to} is not a valid phone number.");
        }

        var isCall = resource == "Calls.json";
        if (!isCall && resource != "Messages.json")
        {
            return Error(404, 20404, "The requested resource was not found");
        }

        if (isCall ? string.IsNullOrEmpty(Field("Twiml")) : string.IsNullOrEmpty(Field("Body")))
        {
            return Error(400, isCall ? 21205 : 21602, isCall ? "Url or Twiml parameter is required." : "Message body is required.");
        }

        var sid = (isCall ? "CA" : "SM") + Guid.NewGuid().ToString("N");
        Sent.Enqueue(new Delivered(resource, to, Field("From") ?? "", Field("Body"), Field("Twiml"), sid));
        return Results.Json(new Dictionary<string, object?>
        {
            ["sid"] = sid,
            ["account_sid"] = AccountSid,
            ["to"] = to,
            ["from"] = Field("From"),
            ["body"] = Field("Body"),
            ["status"] = "queued",
            ["date_created"] = DateTimeOffset.UtcNow.ToString("R"),
            ["uri"] = $"/2010-04-01/Accounts/{AccountSid}/{resource.Replace(".json", "", StringComparison.Ordinal)}/{sid}.json",
        }, statusCode: 201);
    }

    private static IResult Error(int status, int code, string message) => Results.Json(new Dictionary<string, object>
    {
        ["code"] = code,
        ["message"] = message,
        ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
        ["status"] = status,
    }, statusCode: status);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
