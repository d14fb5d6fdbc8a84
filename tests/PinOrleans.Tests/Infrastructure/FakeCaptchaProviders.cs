using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// One loopback HTTP server speaking three captcha providers' server-side verification protocols: Google reCAPTCHA
/// (<c>POST /recaptcha/api/siteverify</c>), hCaptcha (<c>POST /siteverify</c>), both form-encoded and answering
/// <c>success</c>/<c>error-codes</c> JSON, and Tencent's legacy ticket check (<c>GET /ticket/verify</c>) answering
/// <c>response</c>/<c>evil_level</c>/<c>err_msg</c>. Tokens and tickets are single-use: the first verification that
/// reaches one (with valid credentials) consumes it, whichever provider path it came through.
/// </summary>
public sealed class FakeCaptchaProviders : IAsyncDisposable
{
    public const string Secret = "fake-captcha-secret";
    public const string SiteKey = "fake-captcha-sitekey";
    public const string TencentAppId = "2000000001";
    public const string TencentAppSecretKey = "fake-tencent-app-secret-key";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Issued> _issued = new();
    private readonly ConcurrentQueue<Verification> _received = new();

    /// <summary>One verification request. For Tencent: Secret is <c>AppSecretKey</c>, Response the ticket, SiteKey <c>aid</c>.</summary>
    public sealed record Verification(string Provider, string? Secret, string? Response, string? RemoteIp, string? SiteKey, string? Randstr);

    private sealed class Issued(bool isTencent, double? score, string? action, string hostname, string? randstr, int evilLevel)
    {
        private int _used;
        private volatile bool _expired;

        public bool IsTencent { get; } = isTencent;
        public double? Score { get; } = score;
        public string? Action { get; } = action;
        public string Hostname { get; } = hostname;
        public string? Randstr { get; } = randstr;
        public int EvilLevel { get; } = evilLevel;
        public DateTimeOffset IssuedAt { get; } = DateTimeOffset.UtcNow;
        public bool Expired { get => _expired; set => _expired = value; }

        public bool TryConsume() => Interlocked.Exchange(ref _used, 1) == 0;
    }

    private FakeCaptchaProviders(WebApplication app) => _app = app;

    public string BaseUrl => LoopbackServer.BaseUrl(_app);
    public string ReCaptchaVerifyUrl => BaseUrl + "/recaptcha/api/siteverify";
    public string HCaptchaVerifyUrl => BaseUrl + "/siteverify";
    public string TencentVerifyUrl => BaseUrl + "/ticket/verify";

    /// <summary>Every request answers only after this delay (to test client timeouts).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When set, every request answers this HTTP status with an empty body, consuming nothing.</summary>
    public int? FailWith { get; set; }

    /// <summary>Every verification request received, in order (including those answered with <see cref="FailWith"/>).</summary>
    public IReadOnlyCollection<Verification> Received => _received;

    public static async Task<FakeCaptchaProviders> StartAsync()
    {
        var app = LoopbackServer.Create();
        var fake = new FakeCaptchaProviders(app);
        app.MapPost("/recaptcha/api/siteverify", (HttpRequest request) => fake.SiteVerifyAsync(request, "recaptcha"));
        app.MapPost("/siteverify", (HttpRequest request) => fake.SiteVerifyAsync(request, "hcaptcha"));
        app.MapGet("/ticket/verify", fake.TencentAsync);
        await app.StartAsync();
        return fake;
    }

    /// <summary>A fresh single-use token for the reCAPTCHA and hCaptcha endpoints; a null score means v2 style (no score field).</summary>
    public string IssueToken(double? score = null, string? action = null, string hostname = "localhost")
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        _issued[token] = new Issued(false, score, action, hostname, null, 0);
        return token;
    }

    /// <summary>A fresh single-use Tencent ticket and the randstr that must accompany it.</summary>
    public (string Ticket, string Randstr) IssueTencentTicket(int evilLevel = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(evilLevel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(evilLevel, 100);
        var ticket = "t03" + Guid.NewGuid().ToString("N");
        var randstr = "@" + Guid.NewGuid().ToString("N")[..3];
        _issued[ticket] = new Issued(true, null, null, "localhost", randstr, evilLevel);
        return (ticket, randstr);
    }

    /// <summary>Make a token or ticket expired: its next verification answers the provider's expired error.</summary>
    public void Expire(string tokenOrTicket)
    {
        if (!_issued.TryGetValue(tokenOrTicket, out var issued))
        {
            throw new ArgumentException($"{tokenOrTicket} was never issued.", nameof(tokenOrTicket));
        }

        issued.Expired = true;
    }

    private async Task<IResult> SiteVerifyAsync(HttpRequest request, string provider)
    {
        var form = request.HasFormContentType ? await request.ReadFormAsync(request.HttpContext.RequestAborted) : null;
        string? Field(string name) => form is not null && form.TryGetValue(name, out var value) ? value.ToString() : null;
        var v = new Verification(provider, Field("secret"), Field("response"), Field("remoteip"), Field("sitekey"), null);
        var isReCaptcha = provider == "recaptcha";
        return await AnswerAsync(request, v, () =>
        {
            if (form is null)
            {
                return Failure("bad-request");
            }

            var errors = new List<string>();
            if (string.IsNullOrEmpty(v.Secret))
            {
                errors.Add("missing-input-secret");
            }
            else if (v.Secret != Secret)
            {
                errors.Add("invalid-input-secret");
            }
            else if (!isReCaptcha && v.SiteKey is not null && v.SiteKey != SiteKey)
            {
                errors.Add("sitekey-secret-mismatch");
            }

            if (string.IsNullOrEmpty(v.Response))
            {
                errors.Add("missing-input-response");
            }

            if (errors.Count > 0)
            {
                return Failure([.. errors]);
            }

            if (!_issued.TryGetValue(v.Response!, out var token) || token.IsTencent)
            {
                return Failure("invalid-input-response");
            }

            if (token.Expired)
            {
                return Failure(isReCaptcha ? "timeout-or-duplicate" : "expired-input-response");
            }

            if (!token.TryConsume())
            {
                return Failure(isReCaptcha ? "timeout-or-duplicate" : "already-seen-response");
            }

            var body = new Dictionary<string, object>
            {
                ["success"] = true,
                ["challenge_ts"] = token.IssuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["hostname"] = token.Hostname,
                ["error-codes"] = Array.Empty<string>(),
            };
            if (token.Score is { } score)
            {
                body["score"] = score;
            }

            if (isReCaptcha && token.Action is { } action)
            {
                body["action"] = action;
            }

            return Results.Json(body);
        });
    }

    private Task<IResult> TencentAsync(HttpRequest request)
    {
        string? Field(string name) => request.Query.TryGetValue(name, out var value) ? value.ToString() : null;
        var v = new Verification("tencent", Field("AppSecretKey"), Field("Ticket"), Field("UserIP"), Field("aid"), Field("Randstr"));
        return AnswerAsync(request, v, () =>
        {
            if (v.SiteKey != TencentAppId || v.Secret != TencentAppSecretKey)
            {
                return Tencent("100", "appid-secretkey-ticket mismatch");
            }

            if (v.Response is null || !_issued.TryGetValue(v.Response, out var ticket) || !ticket.IsTencent)
            {
                return Tencent("15", "decrypt fail");
            }

            if (ticket.Expired)
            {
                return Tencent("8", "ticket expired");
            }

            // Like the real service, a ticket is burnt by the check even when its randstr is wrong.
            if (!ticket.TryConsume())
            {
                return Tencent("9", "ticket reused");
            }

            return v.Randstr != ticket.Randstr ? Tencent("7", "Randstr mismatch") : Tencent("1", "OK", ticket.EvilLevel);
        });
    }

    private async Task<IResult> AnswerAsync(HttpRequest request, Verification verification, Func<IResult> answer)
    {
        _received.Enqueue(verification);
        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, request.HttpContext.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }
        }

        return FailWith is { } status ? Results.StatusCode(status) : answer();
    }

    private static IResult Failure(params string[] errorCodes) =>
        Results.Json(new Dictionary<string, object> { ["success"] = false, ["error-codes"] = errorCodes });

    private static IResult Tencent(string response, string message, int evilLevel = 0) => Results.Json(new Dictionary<string, string>
    {
        ["response"] = response,
        ["evil_level"] = evilLevel.ToString(CultureInfo.InvariantCulture),
        ["err_msg"] = message,
    });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
