using System.Net;
using System.Text;
using System.Text.Json;

namespace PinOrleans.Bench;

/// <summary>A seeded account: its e-mail, PIN session and latest access token.</summary>
public sealed class Account(string email, string session)
{
    public string Email { get; } = email;
    public string Session { get; } = session;
    public string? AccessToken { get; set; }
}

/// <summary>The LoginRadius calls the benchmark makes, as an SDK would make them.</summary>
public sealed class Gateway(HttpClient http, string api, string apiKey, string apiSecret)
{
    public const string Pin = "1357";
    public const string WrongPin = "0000";
    /// <summary>Upper case, lower case, a digit and a symbol: ASP.NET Core Identity's default rules, which the stock peer keeps.</summary>
    public const string Password = "Bench-password-42";

    /// <summary>Creates an account with a PIN and logs in with its password; returns its PIN session.</summary>
    public async Task<Account> SeedAsync(string tag, int index)
    {
        var email = $"{tag}-{index}-{Guid.NewGuid():N}@bench.example";
        HttpRequestMessage Create()
        {
            var create = new HttpRequestMessage(HttpMethod.Post, $"{api}/identity/v2/manage/account?apikey={apiKey}")
            {
                Content = Json(new { Email = new[] { new { Type = "Primary", Value = email } }, Password, PINInfo = new { PIN = Pin } }),
            };
            create.Headers.Add("X-LoginRadius-ApiSecret", apiSecret);
            return create;
        }

        using (var created = await RetriedAsync(() => http.SendAsync(Create())))
        {
            await Expect(created, HttpStatusCode.OK, "create account");
        }

        using var login = await RetriedAsync(() => http.PostAsync($"{api}/identity/v2/auth/login?apikey={apiKey}", Json(new { email, password = Password })));
        await Expect(login, HttpStatusCode.OK, "password login");
        using var json = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
        return new Account(email, json.RootElement.GetProperty("session_token").GetString()!);
    }

    /// <summary>PIN login; on success remembers the access token on the account.</summary>
    public async Task<bool> PinLoginAsync(Account account, string pin = Pin)
    {
        using var response = await http.PostAsync($"{api}/identity/v2/auth/login/pin?apikey={apiKey}&session_token={account.Session}", Json(new { pin }));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return false;
        }

        var body = await response.Content.ReadAsByteArrayAsync();
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("access_token"u8))
            {
                reader.Read();
                account.AccessToken = reader.GetString();
                break;
            }
        }

        return true;
    }

    /// <summary>A wrong PIN against an account that is already locked: the answer must be 1198 (HTTP 403).</summary>
    public async Task<bool> LockedGuessAsync(Account account)
    {
        using var response = await http.PostAsync($"{api}/identity/v2/auth/login/pin?apikey={apiKey}&session_token={account.Session}", Json(new { pin = WrongPin }));
        await response.Content.LoadIntoBufferAsync();
        return response.StatusCode == HttpStatusCode.Forbidden;
    }

    /// <summary>A wrong PIN whatever the account's state: 401 (1236) or, once locked, 403 (1198).</summary>
    public async Task<bool> WrongPinAsync(Account account)
    {
        using var response = await http.PostAsync($"{api}/identity/v2/auth/login/pin?apikey={apiKey}&session_token={account.Session}", Json(new { pin = WrongPin }));
        await response.Content.LoadIntoBufferAsync();
        return response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;
    }

    /// <summary>A wrong PIN, answered by its HTTP status and LoginRadius ErrorCode (null when the body carries none).</summary>
    public async Task<(int Status, int? ErrorCode)> WrongPinAnswerAsync(Account account)
    {
        using var response = await http.PostAsync($"{api}/identity/v2/auth/login/pin?apikey={apiKey}&session_token={account.Session}", Json(new { pin = WrongPin }));
        var body = await response.Content.ReadAsByteArrayAsync();
        int? code = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            while (code is null && reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("ErrorCode"u8) && reader.Read() && reader.TokenType == JsonTokenType.Number)
                {
                    code = reader.GetInt32();
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: answered by its status alone.
        }

        return ((int)response.StatusCode, code);
    }

    /// <summary>
    /// A password login for an e-mail nobody has, as a flood sends it: the answer's HTTP status as its kind ("503" must
    /// say when to retry, else it is "503 without Retry-After"); fine when refused (503, 429) or answered 401 after a full hash.
    /// </summary>
    public async Task<(string Kind, bool Ok)> UnknownLoginAsync(long n)
    {
        using var response = await http.PostAsync($"{api}/identity/v2/auth/login?apikey={apiKey}",
            Json(new { email = $"nobody-{n}-{Guid.NewGuid():N}@bench.example", password = "flood-password-1" }));
        await response.Content.LoadIntoBufferAsync();
        var status = (int)response.StatusCode;
        var refused = status is 503 or 429;
        if (refused && response.Headers.RetryAfter is null)
        {
            return ($"{status} without Retry-After", false);
        }

        return (status.ToString(System.Globalization.CultureInfo.InvariantCulture), refused || status == 401);
    }

    public async Task<bool> ValidateAsync(string baseUrl, string accessToken)
    {
        using var response = await http.GetAsync($"{baseUrl}/identity/v2/auth/access_token/validate?apikey={apiKey}&access_token={accessToken}");
        await response.Content.LoadIntoBufferAsync();
        return response.StatusCode == HttpStatusCode.OK;
    }

    public Task<bool> ValidateAsync(string accessToken) => ValidateAsync(api, accessToken);

    /// <summary>Seeds accounts <paramref name="parallel"/> at a time.</summary>
    public async Task<List<Account>> SeedManyAsync(string tag, int count, int parallel)
    {
        var accounts = new Account[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel },
            async (i, _) => accounts[i] = await SeedAsync(tag, i));
        return [.. accounts];
    }

    /// <summary>Sends again, up to five times, what was refused with 503 and a Retry-After (the hashing queue was full), as a well-behaved client does.</summary>
    private static async Task<HttpResponseMessage> RetriedAsync(Func<Task<HttpResponseMessage>> send)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await send();
            if (attempt == 5 || response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter?.Delta is not { } delay)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(delay);
        }
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task Expect(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        if (response.StatusCode != status)
        {
            throw new InvalidOperationException($"{what}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static HttpClient NewClient() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 1024,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
}
