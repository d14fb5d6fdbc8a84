using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace PinOrleans.Bench;

/// <summary>
/// The failure drill's load and its verdict (drill.sh injects the faults and writes their times to the events file).
/// Login workers log in with PINs, validations of the access tokens those logins got go at a fixed rate beside them
/// (so a login that waits never holds a validation back), a session worker opens new PIN sessions with
/// password logins, a lock worker guesses wrong PINs on its own accounts until each locks, and a locked worker keeps
/// trying accounts whose lock was acknowledged; every answer is classified per second and by whether its request
/// needs a write. Afterwards every account is read back and every acknowledged access token and PIN session is
/// tried: nothing acknowledged may be lost.
/// Rules: a refusal must be a LoginRadius-shaped 503 with Retry-After; after a silo is killed, failures stop within
/// ten seconds; after storage comes back, within thirty, without restarting anything; while storage is down, the
/// requests that need no write (validations, locked accounts' refusals) are served at 90 % or more of their rate
/// before the outage, and those that need one are refused (503) within two seconds.
/// </summary>
public static class Drill
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>What each account went through, as far as its client was told.</summary>
    private sealed class Ledger(Account account)
    {
        public Account Account { get; } = account;
        public int AcknowledgedLogins;

        /// <summary>When each acknowledged PIN login was sent (seconds into the drill): its statistics may be written later.</summary>
        public ConcurrentQueue<double> PinLoginsSentAt { get; } = new();
        public string? LastAccessToken;
        public ConcurrentBag<string> AccessTokens { get; } = [];
        public ConcurrentBag<string> Sessions { get; } = [];
        public bool LockAcknowledged;
        public int AcknowledgedWrongPins;
    }

    private sealed class Second
    {
        public int Ok;
        public int Refused; // clean 503
        public int Unclean; // anything else that went wrong
        public int ReadsOk; // answered as expected, needing no write
        public int ReadsFailed;
        public int WritesRefused; // clean 503s of requests that need a write
        public ConcurrentQueue<double> RefusalMs { get; } = new(); // how long those refusals took
    }

    /// <summary>What the drill sends, and whether its answer needs storage to take a write.</summary>
    private enum Kind
    {
        PinLogin,
        PasswordLogin,
        WrongPin,
        Validation,
        LockedRefusal,
    }

    private static bool NeedsWrite(Kind kind) => kind is Kind.PinLogin or Kind.PasswordLogin or Kind.WrongPin;

    private static string NameOf(Kind kind) => kind switch
    {
        Kind.PinLogin => "PIN login",
        Kind.PasswordLogin => "password login",
        Kind.WrongPin => "wrong PIN",
        Kind.Validation => "validation",
        _ => "locked account",
    };

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var seconds = options.Int("seconds", 90);
        var workers = options.Int("workers", 3);
        var eventsFile = options.Get("events");
        using var http = Gateway.NewClient();
        http.Timeout = TimeSpan.FromSeconds(15);
        var gateway = new Gateway(http, options.Api, options.ApiKey, options.ApiSecret);

        var accounts = options.Int("accounts", 48);
        Console.WriteLine($"Seeding {accounts} accounts and 12 to lock ...");
        var ledgers = (await gateway.SeedManyAsync("drill", accounts, 8)).Select(a => new Ledger(a)).ToList();
        var lockLedgers = (await gateway.SeedManyAsync("drill-lock", 12, 4)).Select(a => new Ledger(a)).ToList();

        var timeline = new ConcurrentDictionary<int, Second>();
        var problems = new ConcurrentQueue<string>();
        var started = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        File.WriteAllText(Path.Combine(options.OutputDirectory, "load-started"), startedAt.ToUnixTimeMilliseconds().ToString(Inv));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));

        // Counted in the second the request was sent, with how long its answer took.
        void Record(HttpResponseMessage? response, string? body, Kind kind, bool expected, double sentAt)
        {
            var second = timeline.GetOrAdd((int)sentAt, _ => new Second());
            var ms = (started.Elapsed.TotalSeconds - sentAt) * 1000;
            var write = NeedsWrite(kind);
            if (expected)
            {
                Interlocked.Increment(ref second.Ok);
                if (!write)
                {
                    Interlocked.Increment(ref second.ReadsOk);
                }

                return;
            }

            if (!write)
            {
                Interlocked.Increment(ref second.ReadsFailed);
            }

            if (response is not null && IsCleanUnavailable(response, body))
            {
                Interlocked.Increment(ref second.Refused);
                if (write)
                {
                    Interlocked.Increment(ref second.WritesRefused);
                    second.RefusalMs.Enqueue(ms);
                }
            }
            else
            {
                Interlocked.Increment(ref second.Unclean);
                if (problems.Count < 20)
                {
                    problems.Enqueue($"{sentAt:F1}s {NameOf(kind)}: {(response is null ? "no answer" : $"HTTP {(int)response.StatusCode} {body?[..Math.Min(body.Length, 160)]}")}");
                }
            }
        }

        async Task<(HttpResponseMessage? Response, string? Body, double SentAt)> SendAsync(Func<Task<HttpResponseMessage>> send)
        {
            var sentAt = started.Elapsed.TotalSeconds;
            try
            {
                var response = await send();
                return (response, await response.Content.ReadAsStringAsync(), sentAt);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return (null, null, sentAt);
            }
        }

        // PIN logins back to back on their own workers; validations of the tokens those logins got apart from them, so
        // a login that waits on storage never holds a validation back (a client's reads and writes are not one queue).
        var loginWorkers = workers;
        var validationRate = (double)options.Int("validations-per-second", 150);
        var pinLogins = Enumerable.Range(0, loginWorkers).Select(async worker =>
        {
            var mine = ledgers.Where((_, i) => i % loginWorkers == worker).ToList();
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var ledger = mine[n % mine.Count];
                var (response, body, sentAt) = await SendAsync(() => http.PostAsync(
                    $"{options.Api}/identity/v2/auth/login/pin?apikey={options.ApiKey}&session_token={ledger.Account.Session}",
                    new StringContent($$"""{"pin":"{{Gateway.Pin}}"}""", Encoding.UTF8, "application/json")));
                var ok = response?.StatusCode == HttpStatusCode.OK;
                Record(response, body, Kind.PinLogin, ok, sentAt);
                if (ok)
                {
                    Interlocked.Increment(ref ledger.AcknowledgedLogins);
                    ledger.PinLoginsSentAt.Enqueue(sentAt);
                    ledger.LastAccessToken = JsonDocument.Parse(body!).RootElement.GetProperty("access_token").GetString();
                    ledger.AccessTokens.Add(ledger.LastAccessToken!);
                }
            }
        }).ToList();

        // Validations at a fixed rate, whatever the answers take (an open loop): a stall shows as a drop in the
        // answers of the seconds they were sent in, never as fewer requests.
        var validations = Task.Run(async () =>
        {
            var inFlight = new List<Task>();
            var clock = Stopwatch.StartNew();
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                var wait = TimeSpan.FromSeconds(n / validationRate) - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                var withToken = ledgers.Where(l => l.LastAccessToken is not null).ToList();
                if (withToken.Count == 0 || stop.IsCancellationRequested)
                {
                    continue;
                }

                var token = withToken[(int)(n % withToken.Count)].LastAccessToken!;
                inFlight.Add(Task.Run(async () =>
                {
                    var (validation, validationBody, sentAt) = await SendAsync(() => http.GetAsync($"{options.Api}/identity/v2/auth/access_token/validate?apikey={options.ApiKey}&access_token={token}"));
                    Record(validation, validationBody, Kind.Validation, validation?.StatusCode == HttpStatusCode.OK, sentAt);
                }));
                inFlight.RemoveAll(t => t.IsCompleted);
            }

            await Task.WhenAll(inFlight);
        });

        // Every 50 ms a wrong PIN against an account whose lock was acknowledged: refused (1198) without a write.
        var locked = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var done = lockLedgers.Where(l => l.LockAcknowledged).ToList();
                if (done.Count > 0)
                {
                    var ledger = done[i % done.Count];
                    var (response, body, sentAt) = await SendAsync(() => http.PostAsync(
                        $"{options.Api}/identity/v2/auth/login/pin?apikey={options.ApiKey}&session_token={ledger.Account.Session}",
                        new StringContent($$"""{"pin":"{{Gateway.WrongPin}}"}""", Encoding.UTF8, "application/json")));
                    Record(response, body, Kind.LockedRefusal, ErrorCodeOf(body) == 1198, sentAt);
                }

                try
                {
                    await Task.Delay(50, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        // One wrong PIN every 1.5 s, account after account: locks are acknowledged in every phase of the drill.
        var locker = Task.Run(async () =>
        {
            var i = 0;
            while (!stop.IsCancellationRequested)
            {
                var ledger = lockLedgers[i / 5 % lockLedgers.Count];
                i++;
                var (response, body, sentAt) = await SendAsync(() => http.PostAsync(
                    $"{options.Api}/identity/v2/auth/login/pin?apikey={options.ApiKey}&session_token={ledger.Account.Session}",
                    new StringContent($$"""{"pin":"{{Gateway.WrongPin}}"}""", Encoding.UTF8, "application/json")));
                var code = ErrorCodeOf(body);
                Record(response, body, Kind.WrongPin, code is 1236 or 1198, sentAt);
                if (code == 1236 && Interlocked.Increment(ref ledger.AcknowledgedWrongPins) >= 5 || code == 1198)
                {
                    ledger.LockAcknowledged = true;
                }

                try
                {
                    await Task.Delay(1500, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        // A password login (a new PIN session, written before it is answered) every half second, account after account.
        var sessions = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var ledger = ledgers[i % ledgers.Count];
                var (response, body, sentAt) = await SendAsync(() => http.PostAsync($"{options.Api}/identity/v2/auth/login?apikey={options.ApiKey}",
                    new StringContent(JsonSerializer.Serialize(new { email = ledger.Account.Email, password = Gateway.Password }), Encoding.UTF8, "application/json")));
                var ok = response?.StatusCode == HttpStatusCode.OK;
                Record(response, body, Kind.PasswordLogin, ok, sentAt);
                if (ok)
                {
                    Interlocked.Increment(ref ledger.AcknowledgedLogins);
                    ledger.Sessions.Add(JsonDocument.Parse(body!).RootElement.GetProperty("session_token").GetString()!);
                }

                try
                {
                    await Task.Delay(500, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        await Task.WhenAll(pinLogins.Append(validations).Append(locker).Append(locked).Append(sessions));
        var events = ReadEvents(eventsFile, startedAt);

        Console.WriteLine("Reading every account back ...");
        // A PIN login that changed only the login statistics is answered before they are written (within
        // Accounts:LoginStatisticsWriteSeconds): those answered from that long before the first fault to a second
        // after the last may be lost with a silo, never a token, session or lock. Every other login must be counted.
        var statisticsWindow = double.TryParse(Environment.GetEnvironmentVariable("Accounts__LoginStatisticsWriteSeconds"), NumberStyles.Float, Inv, out var configured)
            ? configured
            : new PinOrleans.Accounts.AccountWriteOptions().LoginStatisticsWriteSeconds;
        var faults = events.Where(e => e.Name is "silo-killed" or "storage-stopped" or "storage-started").Select(e => e.At).ToList();
        var firstFault = faults.DefaultIfEmpty(double.MaxValue).Min();
        var lastFault = faults.DefaultIfEmpty(double.MinValue).Max();
        var lost = new List<string>();
        var checkedTokens = 0;
        var checkedSessions = 0;
        foreach (var ledger in ledgers.Concat(lockLedgers))
        {
            if (await ReadProfileAsync(http, options, ledger.Account.Email) is not { } profile)
            {
                lost.Add($"{ledger.Account.Email}: the account cannot be read back");
                continue;
            }

            var logins = profile.GetProperty("NoOfLogins").GetInt32();
            // The seeding password login counts too.
            var unwrittenAllowed = statisticsWindow > 0 ? ledger.PinLoginsSentAt.Count(at => at >= firstFault - statisticsWindow && at <= lastFault + 1) : 0;
            if (logins < ledger.AcknowledgedLogins + 1 - unwrittenAllowed)
            {
                lost.Add($"{ledger.Account.Email}: {ledger.AcknowledgedLogins + 1} logins acknowledged ({unwrittenAllowed} of them within the statistics window before the fault), {logins} stored");
            }

            if (ledger.LockAcknowledged && !profile.GetProperty("IsLoginLocked").GetBoolean())
            {
                lost.Add($"{ledger.Account.Email}: lock acknowledged, account not locked");
            }

            // Every access token a PIN login answered still validates.
            var tokens = ledger.AccessTokens.ToList();
            var dead = 0;
            await Parallel.ForEachAsync(tokens, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (token, _) =>
            {
                if (!await gateway.ValidateAsync(token))
                {
                    Interlocked.Increment(ref dead);
                }
            });
            checkedTokens += tokens.Count;
            if (dead > 0)
            {
                lost.Add($"{ledger.Account.Email}: {dead} of {tokens.Count} acknowledged access tokens no longer validate");
            }

            // Every PIN session a password login answered (and the seeded one) still logs in, unless the account is locked.
            if (!ledger.LockAcknowledged && ledger.AcknowledgedWrongPins == 0)
            {
                foreach (var session in ledger.Sessions.Append(ledger.Account.Session))
                {
                    checkedSessions++;
                    if (!await gateway.PinLoginAsync(new Account(ledger.Account.Email, session)))
                    {
                        lost.Add($"{ledger.Account.Email}: an acknowledged PIN session no longer works");
                    }
                }
            }
        }

        Console.WriteLine($"Checked {checkedTokens} access tokens and {checkedSessions} PIN sessions.");
        var verdicts = Judge(timeline, events, seconds);
        var report = Render(timeline, events, seconds, verdicts, lost, problems.ToList(), ledgers.Sum(l => l.AcknowledgedLogins), lockLedgers.Count(l => l.LockAcknowledged));
        Console.WriteLine(report);
        File.WriteAllText(Path.Combine(options.OutputDirectory, "drill.md"), report);
        File.WriteAllText(Path.Combine(options.OutputDirectory, "drill.svg"), Chart(timeline, events, seconds));
        Console.WriteLine($"Timeline chart: {Path.Combine(options.OutputDirectory, "drill.svg")}");
        return verdicts.All(v => v.Passed) && lost.Count == 0 && problems.IsEmpty ? 0 : 1;
    }

    /// <summary>The LoginRadius error code of an answer (0 when it has none).</summary>
    private static int ErrorCodeOf(string? body)
    {
        if (body is null || !body.Contains("\"ErrorCode\"", StringComparison.Ordinal))
        {
            return 0;
        }

        try
        {
            return JsonDocument.Parse(body).RootElement.GetProperty("ErrorCode").GetInt32();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>A refusal the way clients are promised one: HTTP 503, Retry-After, the five LoginRadius keys.</summary>
    private static bool IsCleanUnavailable(HttpResponseMessage response, string? body)
    {
        if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null || body is null)
        {
            return false;
        }

        try
        {
            var json = JsonDocument.Parse(body).RootElement;
            return json.GetProperty("ErrorCode").GetInt32() == 503 && json.TryGetProperty("Description", out _) && json.TryGetProperty("Message", out _)
                && json.TryGetProperty("IsProviderError", out _) && json.TryGetProperty("ProviderErrorResponse", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The account's profile, asked up to eleven times a second apart; null if it never answers 200.</summary>
    private static async Task<JsonElement?> ReadProfileAsync(HttpClient http, BenchOptions options, string email)
    {
        for (var attempt = 0; attempt <= 10; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{options.Api}/identity/v2/manage/account?apikey={options.ApiKey}&email={Uri.EscapeDataString(email)}");
            request.Headers.Add("X-LoginRadius-ApiSecret", options.ApiSecret);
            try
            {
                using var response = await http.SendAsync(request);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(1000);
        }

        return null;
    }

    /// <summary>Fault events (name and second since the load started) written by drill.sh as <c>unix-ms name</c> lines.</summary>
    private static List<(string Name, double At)> ReadEvents(string file, DateTimeOffset startedAt) =>
        File.Exists(file)
            ? File.ReadAllLines(file).Where(l => l.Contains(' ', StringComparison.Ordinal))
                .Select(l => (l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..], (DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(l[..l.IndexOf(' ', StringComparison.Ordinal)], Inv)) - startedAt).TotalSeconds))
                .ToList()
            : [];

    private sealed record Verdict(string Rule, bool Passed, string Detail);

    /// <summary>
    /// The storage outage in figures: requests needing no write served per second in the outage's whole seconds
    /// and in the ten seconds before it (the last second before it left out: Azurite is shutting down then); requests
    /// needing a write sent during the outage and refused with a clean 503, and how long those refusals took.
    /// </summary>
    private sealed record Outage(double ReadsBefore, double ReadsDuring, int ReadsFailed, int WritesRefused, double RefusalP50, double RefusalP99, double RefusalMax)
    {
        public double Share => ReadsBefore == 0 ? 0 : ReadsDuring / ReadsBefore;

        public static Outage Of(ConcurrentDictionary<int, Second> timeline, double down, double up)
        {
            List<Second> Seconds(int from, int to) => Enumerable.Range(from, Math.Max(0, to - from)).Select(s => timeline.GetValueOrDefault(s) ?? new Second()).ToList();
            var before = Seconds((int)Math.Floor(down) - 11, (int)Math.Floor(down) - 1);
            var during = Seconds((int)Math.Ceiling(down), (int)Math.Floor(up));
            var refusals = Seconds((int)Math.Floor(down), (int)Math.Ceiling(up)).SelectMany(s => s.RefusalMs).Order().ToList();
            double At(double q) => refusals.Count == 0 ? 0 : refusals[Math.Min(refusals.Count - 1, (int)Math.Ceiling(q * refusals.Count) - 1)];
            return new Outage(
                before.Count == 0 ? 0 : before.Average(s => s.ReadsOk), during.Count == 0 ? 0 : during.Average(s => s.ReadsOk), during.Sum(s => s.ReadsFailed),
                refusals.Count, At(0.5), At(0.99), refusals.Count == 0 ? 0 : refusals[^1]);
        }
    }

    private static List<Verdict> Judge(ConcurrentDictionary<int, Second> timeline, List<(string Name, double At)> events, int seconds)
    {
        var verdicts = new List<Verdict>();
        double? LastFailureBetween(double from, double to) => timeline
            .Where(t => t.Key >= from && t.Key < to && t.Value.Refused + t.Value.Unclean > 0)
            .Select(t => (double?)t.Key + 1).Max();

        var kill = events.FirstOrDefault(e => e.Name == "silo-killed");
        var storageDown = events.FirstOrDefault(e => e.Name == "storage-stopped");
        var storageUp = events.FirstOrDefault(e => e.Name == "storage-started");
        if (kill.Name is not null)
        {
            // Up to the second the outage began in: that second's failures may already be the outage's.
            var end = storageDown.Name is not null ? Math.Floor(storageDown.At) : seconds;
            var last = LastFailureBetween(kill.At, end);
            var settled = last is null ? 0 : last.Value - kill.At;
            verdicts.Add(new Verdict("failures stop within 10 s of killing a silo", settled <= 10, last is null ? "no failure at all" : $"last failure {settled:F0} s after the kill"));
        }

        if (storageUp.Name is not null)
        {
            var last = LastFailureBetween(storageUp.At, seconds);
            var settled = last is null ? 0 : last.Value - storageUp.At;
            verdicts.Add(new Verdict("everything recovers within 30 s of storage coming back (no restarts)", settled <= 30, last is null ? "no failure after the restart" : $"last failure {settled:F0} s after storage came back"));
            var outage = Outage.Of(timeline, storageDown.At, storageUp.At);
            verdicts.Add(new Verdict("requests needing storage are refused (503) while it is down", outage.WritesRefused > 0, $"{outage.WritesRefused} clean refusals of requests needing a write during the outage"));
            verdicts.Add(new Verdict("requests needing no write are served at 90 % or more of their rate before the outage", outage.ReadsBefore > 0 && outage.ReadsDuring >= 0.9 * outage.ReadsBefore,
                string.Create(Inv, $"{outage.ReadsDuring:F0}/s during, {outage.ReadsBefore:F0}/s before: {outage.Share:P0}; {outage.ReadsFailed} of them failed")));
            verdicts.Add(new Verdict("requests needing a write are refused within 2 s while storage is down", outage.WritesRefused > 0 && outage.RefusalP99 <= 2000,
                string.Create(Inv, $"p50 {outage.RefusalP50:F0} ms, p99 {outage.RefusalP99:F0} ms, max {outage.RefusalMax:F0} ms")));
        }

        var lateAfterEnd = timeline.Where(t => t.Key >= seconds - 5).Sum(t => t.Value.Ok);
        verdicts.Add(new Verdict("traffic flows at the end", lateAfterEnd > 0, $"{lateAfterEnd} good answers in the last 5 s"));
        return verdicts;
    }

    private static string Render(ConcurrentDictionary<int, Second> timeline, List<(string Name, double At)> events, int seconds,
        List<Verdict> verdicts, List<string> lost, List<string> problems, int acknowledgedLogins, int locks)
    {
        var text = new StringBuilder();
        text.AppendLine("# Failure drill").AppendLine();
        text.AppendLine("Per second: every request, those answered as expected (good), those needing no write (validations, locked accounts) answered as expected, errors, clean 503s with Retry-After among them (and among those, of requests needing a write), unclean errors.").AppendLine();
        text.AppendLine("| second | requests | good | no-write good | errors | of which 503 | 503 needing a write | unclean | event |").AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (var s = 0; s < seconds; s++)
        {
            var second = timeline.GetValueOrDefault(s) ?? new Second();
            var marks = string.Join(", ", events.Where(e => (int)e.At == s).Select(e => e.Name));
            text.AppendLine(Inv, $"| {s} | {second.Ok + second.Refused + second.Unclean} | {second.Ok} | {second.ReadsOk} | {second.Refused + second.Unclean} | {second.Refused} | {second.WritesRefused} | {second.Unclean} | {marks} |");
        }

        var down = events.FirstOrDefault(e => e.Name == "storage-stopped");
        var up = events.FirstOrDefault(e => e.Name == "storage-started");
        if (down.Name is not null && up.Name is not null)
        {
            var outage = Outage.Of(timeline, down.At, up.At);
            text.AppendLine().AppendLine(Inv, $"Storage outage ({down.At:F1} s to {up.At:F1} s):").AppendLine();
            text.AppendLine("| requests | before (10 s) | during | |").AppendLine("|---|---:|---:|---|");
            text.AppendLine(Inv, $"| needing no write, served | {outage.ReadsBefore:F0}/s | {outage.ReadsDuring:F0}/s | {outage.Share:P0} of the rate before; {outage.ReadsFailed} failed |");
            text.AppendLine(Inv, $"| needing a write, refused (503 + Retry-After) | | {outage.WritesRefused} | answered in p50 {outage.RefusalP50:F0} ms, p99 {outage.RefusalP99:F0} ms, max {outage.RefusalMax:F0} ms |");
        }

        text.AppendLine().AppendLine(Inv, $"Acknowledged: {acknowledgedLogins} logins (PIN and password), {locks} locks. Every account was read back, every acknowledged access token validated and every acknowledged PIN session of an unlocked account used afterwards.").AppendLine();
        foreach (var verdict in verdicts)
        {
            text.AppendLine(Inv, $"- {(verdict.Passed ? "PASS" : "FAIL")}: {verdict.Rule} ({verdict.Detail})");
        }

        text.AppendLine(Inv, $"- {(problems.Count == 0 ? "PASS" : "FAIL")}: every failed request was a LoginRadius-shaped 503 with Retry-After{(problems.Count == 0 ? "" : ": " + string.Join("; ", problems))}");
        text.AppendLine(Inv, $"- {(lost.Count == 0 ? "PASS" : "FAIL")}: nothing acknowledged was lost (logins, locks, sessions, tokens){(lost.Count == 0 ? "" : ": " + string.Join("; ", lost.Take(10)))}");
        return text.ToString();
    }

    /// <summary>Requests and refusals per second, with the fault events marked.</summary>
    private static string Chart(ConcurrentDictionary<int, Second> timeline, List<(string Name, double At)> events, int seconds)
    {
        const int left = 60, top = 30, width = 900, height = 300;
        var peak = Math.Max(1, timeline.Values.Select(s => s.Ok + s.Refused + s.Unclean).DefaultIfEmpty(1).Max());
        double X(double s) => left + s / seconds * width;
        double Y(double v) => top + height - v / peak * height;
        string Line(Func<Second, int> value) => string.Join(' ', Enumerable.Range(0, seconds)
            .Select(s => string.Create(Inv, $"{X(s + 0.5):F1},{Y(value(timeline.GetValueOrDefault(s) ?? new Second())):F1}")));

        var svg = new StringBuilder();
        svg.AppendLine(Inv, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 160}" height="{top + height + 50}" font-family="sans-serif" font-size="12">""");
        svg.AppendLine(Inv, $"""<text x="{left}" y="18" font-size="14">PinOrleans failure drill: requests and errors per second</text>""");
        svg.AppendLine(Inv, $"""<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" stroke="#444"/><line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" stroke="#444"/>""");
        svg.AppendLine(Inv, $"""<text x="{left - 8}" y="{top + 4}" text-anchor="end">{peak}</text><text x="{left - 8}" y="{top + height}" text-anchor="end">0</text>""");
        for (var s = 0; s <= seconds; s += 10)
        {
            svg.AppendLine(Inv, $"""<text x="{X(s):F0}" y="{top + height + 16}" text-anchor="middle">{s}s</text>""");
        }

        foreach (var (name, at) in events)
        {
            svg.AppendLine(Inv, $"""<line x1="{X(at):F1}" y1="{top}" x2="{X(at):F1}" y2="{top + height}" stroke="#999" stroke-dasharray="4 3"/><text x="{X(at) + 3:F1}" y="{top + 12}" fill="#555">{name}</text>""");
        }

        svg.AppendLine(Inv, $"""<polyline fill="none" stroke="#888" stroke-width="1" points="{Line(s => s.Ok + s.Refused + s.Unclean)}"/>""");
        svg.AppendLine(Inv, $"""<polyline fill="none" stroke="#2a7" stroke-width="2" points="{Line(s => s.Ok)}"/>""");
        svg.AppendLine(Inv, $"""<polyline fill="none" stroke="#27c" stroke-width="1.5" points="{Line(s => s.ReadsOk)}"/>""");
        svg.AppendLine(Inv, $"""<polyline fill="none" stroke="#d80" stroke-width="2" points="{Line(s => s.Refused)}"/>""");
        svg.AppendLine(Inv, $"""<polyline fill="none" stroke="#c22" stroke-width="2" points="{Line(s => s.Unclean)}"/>""");
        svg.AppendLine(Inv, $"""<text x="{left + width + 10}" y="{top + 0}" fill="#888">requests</text><text x="{left + width + 10}" y="{top + 20}" fill="#2a7">good</text><text x="{left + width + 10}" y="{top + 40}" fill="#27c">no-write good</text><text x="{left + width + 10}" y="{top + 60}" fill="#d80">refused (503)</text><text x="{left + width + 10}" y="{top + 80}" fill="#c22">unclean</text>""");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
