using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using PinOrleans.Outbound;
using PinOrleans.Accounts;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.BotProtection;

/// <summary>How long the gateway waits for a captcha provider (configuration section <c>BotProtection</c>).</summary>
public sealed class CaptchaClientOptions
{
    public const string Section = "BotProtection";

    /// <summary>Per attempt; a provider slower than this counts as unreachable.</summary>
    public double TimeoutSeconds { get; set; } = 3;

    /// <summary>reCAPTCHA's verify endpoint (v2 and v3); an operator may name another (e.g. www.recaptcha.net). Tenants cannot.</summary>
    public string ReCaptchaVerifyUrl { get; set; } = "https://www.google.com/recaptcha/api/siteverify";

    public string HCaptchaVerifyUrl { get; set; } = "https://api.hcaptcha.com/siteverify";

    public string TencentVerifyUrl { get; set; } = "https://ssl.captcha.qq.com/ticket/verify";

    public string? VerifyUrl(BotProtectionProvider provider) => provider switch
    {
        BotProtectionProvider.ReCaptchaV2 or BotProtectionProvider.ReCaptchaV3 => ReCaptchaVerifyUrl,
        BotProtectionProvider.HCaptcha => HCaptchaVerifyUrl,
        BotProtectionProvider.Tencent => TencentVerifyUrl,
        _ => null,
    };
}

/// <summary>A captcha answer as the client sent it: a reCAPTCHA/hCaptcha token, or a Tencent ticket and randstr.</summary>
public sealed record CaptchaAnswer(string? Token, string? TencentTicket, string? TencentRandstr)
{
    private const int MaxLength = 8192;

    /// <summary>The five documented parameter names, from the query or the body.</summary>
    public static readonly string[] Parameters =
        ["g-recaptcha-response", "g_recaptcha_response", "h-captcha-response", "qq_captcha_ticket", "qq_captcha_randstr"];

    public bool IsEmpty => Token is null && TencentTicket is null;

    public static CaptchaAnswer Read(HttpRequest request, JsonBody body)
    {
        string? Read(string name)
        {
            var value = ApiRequest.Query(request, name) ?? body.String(name);
            return string.IsNullOrWhiteSpace(value) ? null
                : value.Length <= MaxLength ? value.Trim()
                : throw new LoginRadiusException(LoginRadiusError.MalformedParameter(name));
        }

        return new CaptchaAnswer(
            Read("g-recaptcha-response") ?? Read("g_recaptcha_response") ?? Read("h-captcha-response"),
            Read("qq_captcha_ticket"),
            Read("qq_captcha_randstr"));
    }
}

/// <summary>What the provider said of an answer.</summary>
public enum CaptchaVerdict
{
    Passed,
    /// <summary>Wrong, expired, reused, scored too low, or made for another action: the client should solve a new one.</summary>
    Rejected,
    /// <summary>The provider did not answer in time, failed, or refused the tenant's own keys.</summary>
    Unavailable,
}

/// <summary>
/// Verifies captcha answers with the tenant's provider over its real protocol: reCAPTCHA and hCaptcha
/// <c>siteverify</c> (form-encoded <c>secret</c>, <c>response</c>, <c>remoteip</c>; hCaptcha also <c>sitekey</c>),
/// Tencent's ticket check (<c>aid</c>, <c>AppSecretKey</c>, <c>Ticket</c>, <c>Randstr</c>, <c>UserIP</c>). The
/// <see cref="HttpClient"/> has a short per-attempt timeout; POSTs are not retried (a token is single-use). The verify
/// endpoints are the operator's (<see cref="CaptchaClientOptions"/>), reached through the <see cref="OutboundGuard"/>.
/// The tenant's keys are not in its snapshot: they are asked of the tenant grain for each answer to check.
/// </summary>
public sealed partial class CaptchaVerifier(HttpClient http, IOptions<CaptchaClientOptions> options, IGrainFactory grains, ILogger<CaptchaVerifier> logger)
{
    /// <summary>Provider error codes that mean the tenant's configuration is wrong, not the client's answer.</summary>
    private static readonly HashSet<string> ConfigurationErrors =
        ["missing-input-secret", "invalid-input-secret", "sitekey-secret-mismatch", "bad-request", "invalid-keys"];

    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        var seconds = Math.Max(0.1, configuration.GetSection(CaptchaClientOptions.Section).GetValue(nameof(CaptchaClientOptions.TimeoutSeconds), 3.0));
        services.AddOptions<CaptchaClientOptions>().Bind(configuration.GetSection(CaptchaClientOptions.Section));
        services.AddHttpClient<CaptchaVerifier>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundGuard>().CreateHandler())
            .AddStandardResilienceHandler(resilience =>
            {
                resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(seconds);
                resilience.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(seconds * 2 + 1);
                resilience.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(Math.Max(seconds * 2, 5));
                resilience.Retry.MaxRetryAttempts = 1;
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(100);
                // A siteverify POST may have spent the token before it failed: only the ticket check (GET) is retried.
                resilience.Retry.DisableForUnsafeHttpMethods();
            })
            .SelectPipelineByAuthority();
    }

    /// <summary>
    /// Reads the request's captcha answer and <c>securityanswer</c> into a <see cref="LockProof"/>. A given answer is
    /// verified (rejected: 1218; provider unreachable: 503 unless the tenant fails open); a PIN login of a tenant that
    /// requires a captcha on every PIN login without one answers 1132, as does a request whose route requires one
    /// (<paramref name="captchaRequired"/>: registration); such a route's captcha never fails open.
    /// </summary>
    public async Task<LockProof> ProofAsync(HttpRequest request, JsonBody body, TenantSnapshot tenant, bool pinLogin = false, bool captchaRequired = false)
    {
        var answer = CaptchaAnswer.Read(request, body);
        var answers = Fields.SecurityAnswers(body, "securityanswer");
        var policy = tenant.Settings.BotProtection;
        var required = ((pinLogin && policy.RequireOnPinLogin) || captchaRequired) && policy.Provider != BotProtectionProvider.None;
        // Only the PIN login's always-on check may fail open; a captcha a route itself requires (registration) never does.
        var failOpen = policy.FailOpen && !captchaRequired;
        var solved = false;
        if (!answer.IsEmpty && policy.Provider != BotProtectionProvider.None)
        {
            // The keys as they are now; a provider switched off since the snapshot checks nothing, as the snapshot's None does.
            var keyed = await grains.Reference<ITenantGrain>(tenant.ApiKey).GetBotProtectionAsync() ?? new BotProtectionPolicy();
            var verdict = keyed.Provider == BotProtectionProvider.None
                ? (CaptchaVerdict?)null
                : await VerifyAsync(keyed, answer, ApiRequest.ClientIp(request.HttpContext), request.HttpContext.RequestAborted);
            switch (verdict)
            {
                case CaptchaVerdict.Passed:
                    solved = true;
                    break;
                case CaptchaVerdict.Rejected:
                    throw LoginRadiusException.Of(ErrorCode.CaptchaInvalid);
                case CaptchaVerdict.Unavailable when !(required && failOpen):
                    throw new LoginRadiusException(LoginRadiusError.CaptchaUnavailable);
                default:
                    // Failing open: the always-on check is waived; a Captcha lockout still is not lifted.
                    required = false;
                    break;
            }
        }
        else if (required && answer.IsEmpty)
        {
            throw LoginRadiusException.Of(ErrorCode.CaptchaRequired);
        }

        return new LockProof { CaptchaSolved = solved, SecurityAnswers = answers };
    }

    /// <summary>Checks <paramref name="answer"/> with the provider of <paramref name="policy"/>, which must carry the tenant's keys (not a snapshot's masks).</summary>
    public async Task<CaptchaVerdict> VerifyAsync(BotProtectionPolicy policy, CaptchaAnswer answer, string? clientIp, CancellationToken cancellation)
    {
        try
        {
            return policy.Provider switch
            {
                BotProtectionProvider.Tencent => await VerifyTencentAsync(policy, answer, clientIp, cancellation),
                BotProtectionProvider.None => CaptchaVerdict.Unavailable,
                _ => await SiteVerifyAsync(policy, answer, clientIp, cancellation),
            };
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TimeoutException or Polly.CircuitBreaker.BrokenCircuitException
            or OperationCanceledException { CancellationToken.IsCancellationRequested: false } or Polly.Timeout.TimeoutRejectedException)
        {
            LogUnavailable(logger, policy.Provider, e.GetType().Name);
            return CaptchaVerdict.Unavailable;
        }
    }

    private async Task<CaptchaVerdict> SiteVerifyAsync(BotProtectionPolicy policy, CaptchaAnswer answer, string? clientIp, CancellationToken cancellation)
    {
        if (answer.Token is null)
        {
            return CaptchaVerdict.Rejected;
        }

        var form = new List<KeyValuePair<string, string>> { new("secret", policy.Secret ?? ""), new("response", answer.Token) };
        if (clientIp is not null)
        {
            form.Add(new("remoteip", clientIp));
        }

        if (policy.Provider == BotProtectionProvider.HCaptcha && !string.IsNullOrWhiteSpace(policy.SiteKey))
        {
            form.Add(new("sitekey", policy.SiteKey));
        }

        using var response = await http.PostAsync(options.Value.VerifyUrl(policy.Provider), new FormUrlEncodedContent(form), cancellation);
        if (!response.IsSuccessStatusCode)
        {
            LogStatus(logger, policy.Provider, (int)response.StatusCode);
            return CaptchaVerdict.Unavailable;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
        var root = json.RootElement;
        var errors = root.TryGetProperty("error-codes", out var codes) && codes.ValueKind == JsonValueKind.Array
            ? codes.EnumerateArray().Select(c => c.GetString() ?? "").ToList()
            : [];
        if (errors.Any(ConfigurationErrors.Contains))
        {
            LogMisconfigured(logger, policy.Provider, string.Join(',', errors));
            return CaptchaVerdict.Unavailable;
        }

        if (!root.TryGetProperty("success", out var success) || success.ValueKind != JsonValueKind.True)
        {
            LogRejected(logger, policy.Provider, string.Join(',', errors));
            return CaptchaVerdict.Rejected;
        }

        var score = root.TryGetProperty("score", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : (double?)null;
        if (policy.Provider == BotProtectionProvider.ReCaptchaV3)
        {
            var action = root.TryGetProperty("action", out var a) ? a.GetString() : null;
            if (score is null || score < policy.MinScore || (!string.IsNullOrEmpty(policy.Action) && action != policy.Action))
            {
                LogRejected(logger, policy.Provider, $"score {score?.ToString(CultureInfo.InvariantCulture) ?? "none"}, action {action ?? "none"}");
                return CaptchaVerdict.Rejected;
            }
        }
        else if (policy.Provider == BotProtectionProvider.HCaptcha && score is { } risk && risk > policy.MaxRiskScore)
        {
            // hCaptcha Enterprise scores risk: 0 is a human, 1 a bot.
            LogRejected(logger, policy.Provider, $"risk score {risk.ToString(CultureInfo.InvariantCulture)}");
            return CaptchaVerdict.Rejected;
        }

        return CaptchaVerdict.Passed;
    }

    private async Task<CaptchaVerdict> VerifyTencentAsync(BotProtectionPolicy policy, CaptchaAnswer answer, string? clientIp, CancellationToken cancellation)
    {
        if (answer.TencentTicket is null || answer.TencentRandstr is null)
        {
            return CaptchaVerdict.Rejected;
        }

        var query = string.Join('&', new[]
        {
            ("aid", policy.TencentAppId ?? ""), ("AppSecretKey", policy.TencentAppSecretKey ?? ""),
            ("Ticket", answer.TencentTicket), ("Randstr", answer.TencentRandstr), ("UserIP", clientIp ?? ""),
        }.Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2)}"));
        var url = options.Value.TencentVerifyUrl;
        using var response = await http.GetAsync(url + (url.Contains('?') ? "&" : "?") + query, cancellation);
        if (!response.IsSuccessStatusCode)
        {
            LogStatus(logger, policy.Provider, (int)response.StatusCode);
            return CaptchaVerdict.Unavailable;
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation));
        var root = json.RootElement;
        var code = Text(root, "response");
        if (code == "100")
        {
            LogMisconfigured(logger, policy.Provider, "100 appid/AppSecretKey mismatch");
            return CaptchaVerdict.Unavailable;
        }

        var evil = int.TryParse(Text(root, "evil_level"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var level) ? level : 0;
        if (code != "1" || evil >= policy.TencentMaxEvilLevel)
        {
            LogRejected(logger, policy.Provider, $"response {code}, evil_level {evil}");
            return CaptchaVerdict.Rejected;
        }

        return CaptchaVerdict.Passed;
    }

    private static string? Text(JsonElement root, string name) => root.TryGetProperty(name, out var value)
        ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
        : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Captcha provider {Provider} unreachable ({Error}); the request fails closed unless the tenant fails open")]
    private static partial void LogUnavailable(ILogger logger, BotProtectionProvider provider, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Captcha provider {Provider} answered HTTP {Status}")]
    private static partial void LogStatus(ILogger logger, BotProtectionProvider provider, int status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Captcha provider {Provider} refused the tenant's keys ({Errors}); check BotProtection settings")]
    private static partial void LogMisconfigured(ILogger logger, BotProtectionProvider provider, string errors);

    [LoggerMessage(Level = LogLevel.Information, Message = "Captcha answer rejected by {Provider}: {Reason}")]
    private static partial void LogRejected(ILogger logger, BotProtectionProvider provider, string reason);
}
