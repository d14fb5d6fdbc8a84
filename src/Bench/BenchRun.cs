using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PinOrleans.Security;

namespace PinOrleans.Bench;

/// <summary>
/// The ceilings and the scenarios, in one run, against a gateway that bench.sh started. <c>--only a,b</c> runs only
/// the scenarios named (pin, validation, flood, unknown-flood, cold, mix) and what they need, without storage writes.
/// </summary>
public static class BenchRun
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var processes = options.Processes;
        var results = new JsonObject { ["machine"] = Machine(), ["when"] = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture) };
        var scenarios = new JsonArray();
        results["scenarios"] = scenarios;
        using var http = Gateway.NewClient();
        var gateway = new Gateway(http, options.Api, options.ApiKey, options.ApiSecret);
        using var cluster = await Cluster.ConnectAsync(options);
        var validationConcurrency = options.Int("validation-concurrency", 8);
        var only = options.Find("only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool Runs(params string[] any) => only is null || any.Any(s => only.Contains(s, StringComparer.OrdinalIgnoreCase));

        // Ceilings, measured in this run on this machine.
        var kdf = KdfCeiling(TimeSpan.FromSeconds(Math.Max(5, options.Duration.TotalSeconds / 2)));
        Console.WriteLine($"KDF ceiling: {kdf:F1} Argon2id hashes/s on {Environment.ProcessorCount} cores");
        results["ceilings"] = new JsonObject { ["kdfHashesPerSecond"] = Math.Round(kdf, 1) };
        Measured? httpAll = null;
        if (Runs("validation"))
        {
            var ceilingUrl = options.Get("ceiling").TrimEnd('/');
            var httpCeiling = await MeasureAsync(processes, () => Load.ClosedAsync(http, validationConcurrency, options.Warmup, options.Duration, _ => "http",
                _ => (client, _, n) => gateway.ValidateAsync(ceilingUrl, Guid.NewGuid().ToString())));
            httpAll = httpCeiling.Result["all"];
            Console.WriteLine($"HTTP ceiling: {httpAll}");
            results["ceilings"]!["http"] = Json(httpAll, httpCeiling.Cpu);
        }

        Console.WriteLine("Seeding accounts (create with a PIN, password login) ...");
        var seedWatch = Stopwatch.StartNew();
        var pool = await gateway.SeedManyAsync("pin", options.Int("accounts", 200), 8);
        var locked = Runs("flood") ? await gateway.SeedManyAsync("locked", 32, 8) : [];
        var cold = only is null || Runs("cold") ? await gateway.SeedManyAsync("cold", options.Int("cold-accounts", 200), 8) : [];
        var wrong = Runs("mix") ? await gateway.SeedManyAsync("wrong", 64, 8) : [];
        foreach (var account in locked)
        {
            for (var i = 0; i < 5; i++)
            {
                await gateway.WrongPinAsync(account);
            }

            if (!await gateway.LockedGuessAsync(account))
            {
                throw new InvalidOperationException("A flood account did not lock after 5 wrong PINs.");
            }
        }

        Console.WriteLine($"Seeded {pool.Count + locked.Count + cold.Count + wrong.Count} accounts in {seedWatch.Elapsed.TotalSeconds:F0} s");
        if (only is null)
        {
            results["storageWrites"] = await StorageWritesAsync(cluster, gateway, pool, cold);
            Console.WriteLine($"Storage writes: {results["storageWrites"]!.ToJsonString()}");
        }

        // 1. PIN login, spread over many accounts. Half its rate is what the legitimate logins of 3 and 4 offer
        // (without it, half of 85 % of the KDF ceiling); it also gives every account an access token for 2 and 6.
        var rate = Math.Max(1, kdf * 0.85 / 2);
        if (Runs("pin", "validation", "flood", "mix"))
        {
            var pinLogin = await MeasureAsync(processes, () => Load.ClosedAsync(http, options.Int("pin-concurrency", 4 * Environment.ProcessorCount), options.Warmup, options.Duration,
                _ => "pin login", _ => (_, _, n) => gateway.PinLoginAsync(pool[(int)(n % pool.Count)])));
            var pinAll = pinLogin.Result["all"];
            Console.WriteLine(pinAll);
            scenarios.Add(Scenario("PIN login", pinAll, pinLogin.Cpu, "KDF ceiling", kdf, pinAll.Rps / kdf,
                [Target.AtLeastOf("throughput vs KDF ceiling", pinAll.Rps / kdf * 100, 85, " %")]));
            rate = Math.Max(1, pinAll.Rps / 2);
        }

        // 2. Access-token validation.
        if (httpAll is not null)
        {
            var tokens = pool.Select(a => a.AccessToken).OfType<string>().ToArray();
            var validation = await MeasureAsync(processes, () => Load.ClosedAsync(http, validationConcurrency, options.Warmup, options.Duration,
                _ => "validation", _ => (_, _, n) => gateway.ValidateAsync(tokens[n % tokens.Length])));
            var valAll = validation.Result["all"];
            Console.WriteLine(valAll);
            scenarios.Add(Scenario("Access-token validation", valAll, validation.Cpu, "HTTP ceiling", httpAll.Rps, valAll.Rps / httpAll.Rps,
                [Target.AtLeastOf("throughput vs HTTP ceiling", valAll.Rps / httpAll.Rps * 100, 50, " %"), Target.AtMostOf("p99", valAll.P99, 5, " ms")]));
        }

        // 3 and 4. Legitimate PIN logins at that rate, alone, then beside floods.
        var legit = (Request)((_, _, n) => gateway.PinLoginAsync(pool[(int)(n % pool.Count)]));
        if (Runs("flood", "unknown-flood"))
        {
            var alone = await MeasureAsync(processes, async () => new Dictionary<string, Measured> { ["legit"] = await Load.OpenAsync(http, rate, options.Warmup, options.Duration, legit, "legit PIN login") });
            var baseLegit = alone.Result["legit"];
            Console.WriteLine(baseLegit);
            scenarios.Add(Scenario("Legit PIN login, alone", baseLegit, alone.Cpu, null, 0, 0, [], $"offered {rate:F1}/s"));
            if (Runs("flood"))
            {
                // 3. Beside a flood of wrong PINs against locked accounts (refused before any hashing).
                foreach (var scenario in await LockedFloodAsync(processes, options, http, gateway, rate, legit, baseLegit, locked))
                {
                    scenarios.Add(scenario);
                }
            }

            if (Runs("unknown-flood"))
            {
                // 4. Beside a flood of password logins for e-mails nobody has: each would cost a full hash, but the anonymous
                // lane is bounded, so the flood is refused at once and the PIN logins go ahead of what it got queued.
                foreach (var scenario in await UnknownFloodAsync(processes, options, http, gateway, rate, legit, baseLegit))
                {
                    scenarios.Add(scenario);
                }
            }
        }

        // 5. Cold PIN login at low load: every grain deactivated before each pass over the accounts.
        if (cold.Count > 0)
        {
            var coldResult = await MeasureAsync(processes, async () => new Dictionary<string, Measured> { ["cold"] = await ColdAsync(cluster, gateway, cold, options.Duration) });
            var coldAll = coldResult.Result["cold"];
            Console.WriteLine(coldAll);
            scenarios.Add(Scenario("Cold PIN login (one at a time)", coldAll, coldResult.Cpu, null, 0, 0, [Target.AtMostOf("p99", coldAll.P99, 60, " ms")]));
        }

        // 6. The mix: 90 % validation, 9 % PIN login, 1 % wrong PIN.
        if (wrong.Count > 0)
        {
            var mix = await MeasureAsync(processes, () => Load.ClosedAsync(http, options.Int("mix-concurrency", 16), options.Warmup, options.Duration,
                n => (n % 100) switch { < 90 => "validation", < 99 => "PIN login", _ => "wrong PIN" },
                kind => kind switch
                {
                    "validation" => (_, _, n) => gateway.ValidateAsync(pool[(int)(n % pool.Count)].AccessToken!),
                    "PIN login" => (_, _, n) => gateway.PinLoginAsync(pool[(int)(n % pool.Count)]),
                    _ => (_, _, n) => gateway.WrongPinAsync(wrong[(int)(n % wrong.Count)]),
                }));
            Console.WriteLine(mix.Result["all"]);
            var mixDetail = new JsonObject();
            foreach (var (kind, measured) in mix.Result.Where(r => r.Key != "all"))
            {
                Console.WriteLine("  " + measured);
                mixDetail[kind] = Json(measured, null);
            }

            scenarios.Add(Scenario("Mix 90/9/1", mix.Result["all"], mix.Cpu, null, 0, 0, [], "reported", new JsonObject { ["byKind"] = mixDetail }));
        }

        Directory.CreateDirectory(options.OutputDirectory);
        var path = Path.Combine(options.OutputDirectory, "run.json");
        await File.WriteAllTextAsync(path, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"Wrote {path}");
        await cluster.StopAsync();
        return 0;
    }

    /// <summary>
    /// The legitimate PIN logins beside 8 connections of wrong PINs against locked accounts, back to back, then beside a
    /// paced flood (<c>--flood-rate</c>, 1000/s): what a flood costs legitimate logins with and without CPU to spare.
    /// </summary>
    private static async Task<List<JsonObject>> LockedFloodAsync(
        IReadOnlyDictionary<string, int> processes, BenchOptions options, HttpClient http, Gateway gateway, double rate, Request legit, Measured baseLegit, List<Account> locked)
    {
        var floodConcurrency = options.Int("flood-concurrency", 8);
        var flooded = await MeasureAsync(processes, async () =>
        {
            var legitTask = Load.OpenAsync(http, rate, options.Warmup, options.Duration, legit, "legit PIN login");
            var floodTask = Load.ClosedAsync(http, floodConcurrency, options.Warmup, options.Duration, _ => "flood", _ => (_, _, n) => gateway.LockedGuessAsync(locked[(int)(n % locked.Count)]));
            return new Dictionary<string, Measured> { ["legit"] = await legitTask, ["flood"] = (await floodTask)["all"] };
        });
        var floodLegit = flooded.Result["legit"];
        var floodAttack = flooded.Result["flood"];
        Console.WriteLine($"{baseLegit} | under flood: {floodLegit} | flood: {floodAttack}");
        var keep = floodLegit.Rps / baseLegit.Rps;
        var rise = floodLegit.P99 / baseLegit.P99;

        var floodRate = options.Int("flood-rate", 1000);
        var paced = await MeasureAsync(processes, async () =>
        {
            var legitTask = Load.OpenAsync(http, rate, options.Warmup, options.Duration, legit, "legit PIN login");
            var floodTask = Load.OpenAsync(http, floodRate, options.Warmup, options.Duration, (_, _, n) => gateway.LockedGuessAsync(locked[(int)(n % locked.Count)]), "flood");
            return new Dictionary<string, Measured> { ["legit"] = await legitTask, ["flood"] = await floodTask };
        });
        var pacedLegit = paced.Result["legit"];
        Console.WriteLine($"under a {floodRate}/s flood: {pacedLegit} | flood: {paced.Result["flood"]}");
        var pacedKeep = pacedLegit.Rps / baseLegit.Rps;
        var pacedRise = pacedLegit.P99 / baseLegit.P99;
        // What a flood may cost legitimate logins: the same two targets beside either flood.
        Target[] BesideAFlood(double kept, double p99Rise) =>
            [Target.AtLeastOf("throughput vs alone", kept * 100, 90, " %"), Target.AtMostOf("p99 rise", p99Rise, 1.5, "×")];
        return
        [
            Scenario("Legit PIN login under flood", floodLegit, flooded.Cpu, "alone", baseLegit.Rps, keep, BesideAFlood(keep, rise),
                extra: new JsonObject { ["p99Rise"] = Math.Round(rise, 2) }),
            Scenario($"Flood of wrong PINs on locked accounts ({floodConcurrency} connections)", floodAttack, flooded.Cpu, null, 0, 0,
                [Target.None("answers other than 1198", floodAttack.Errors)]),
            Scenario($"Legit PIN login beside a {floodRate} req/s flood", pacedLegit, paced.Cpu, "alone", baseLegit.Rps, pacedKeep, BesideAFlood(pacedKeep, pacedRise),
                "(informative)", new JsonObject { ["p99Rise"] = Math.Round(pacedRise, 2), ["floodP99"] = Math.Round(paced.Result["flood"].P99, 2), ["floodErrors"] = paced.Result["flood"].Errors }),
        ];
    }

    /// <summary>
    /// Legitimate PIN logins at <paramref name="rate"/> (open loop) beside <c>--unknown-flood-concurrency</c> (32)
    /// connections sending password logins for unknown e-mails back to back. Rows: the PIN logins against
    /// <paramref name="alone"/> (at least 90 % of its throughput, p99 at most 1.5 s), the refused flood requests (how
    /// fast, which status), and those the flood got hashed (answered 401).
    /// </summary>
    private static async Task<List<JsonObject>> UnknownFloodAsync(
        IReadOnlyDictionary<string, int> processes, BenchOptions options, HttpClient http, Gateway gateway, double rate, Request legit, Measured alone)
    {
        var concurrency = options.Int("unknown-flood-concurrency", 32);
        var run = await MeasureAsync(processes, async () =>
        {
            var legitTask = Load.OpenAsync(http, rate, options.Warmup, options.Duration, legit, "legit PIN login");
            var floodTask = Load.ClosedAsync(concurrency, options.Warmup, options.Duration, (_, n) => gateway.UnknownLoginAsync(n));
            var result = await floodTask;
            result["legit"] = await legitTask;
            return result;
        });
        var underFlood = run.Result["legit"];
        var statuses = new JsonObject();
        foreach (var (kind, measured) in run.Result.Where(r => r.Key is not ("legit" or "all")).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            statuses[kind] = measured.Requests;
        }

        var empty = Measured.Of("none", [], 0, options.Duration.TotalSeconds);
        var refused = run.Result.GetValueOrDefault("503") ?? empty;
        var hashed = run.Result.GetValueOrDefault("401") ?? empty;
        var flood = run.Result["all"];
        var keep = underFlood.Rps / alone.Rps;
        Console.WriteLine($"under an unknown-identifier flood: {underFlood} | flood: {flood} | statuses {statuses.ToJsonString()}");
        return
        [
            Scenario("PIN login under an unknown-identifier flood", underFlood, run.Cpu, "alone", alone.Rps, keep,
                [Target.AtLeastOf("throughput vs alone", keep * 100, 90, " %"), Target.AtMostOf("p99", underFlood.P99, 1500, " ms")]),
            Scenario($"Unknown-identifier flood ({concurrency} connections), refused", refused, run.Cpu, null, 0, 0,
                [
                    Target.AtLeastOf("503 + Retry-After answers", refused.Requests, 1, "") with { OnChart = false },
                    Target.None("answers other than 503 + Retry-After or 401", flood.Errors),
                    Target.AtMostOf("p99", refused.P99, 100, " ms"),
                ],
                extra: new JsonObject { ["statuses"] = statuses, ["floodRps"] = Math.Round(flood.Rps, 1) }),
            Scenario("Unknown-identifier flood, hashed (401)", hashed, run.Cpu, null, 0, 0, [], "(informative) the hashes the flood got"),
        ];
    }

    /// <summary>
    /// Storage writes per successful and per failed PIN login, counted by the silo's storage layer around sequential
    /// logins (every write of a login is acknowledged before its answer). Exact with one silo, as bench.sh runs it.
    /// </summary>
    private static async Task<JsonObject> StorageWritesAsync(Microsoft.Extensions.Hosting.IHost cluster, Gateway gateway, List<Account> pool, List<Account> fresh)
    {
        var stats = cluster.Services.GetRequiredService<IClusterClient>().GetGrain<PinOrleans.Operations.ISiloStatsGrain>(0);
        var logins = Math.Min(50, Math.Min(pool.Count, fresh.Count));
        var before = await stats.GetStorageAsync();
        for (var i = 0; i < logins; i++)
        {
            await gateway.PinLoginAsync(pool[i]);
        }

        var afterSuccess = await stats.GetStorageAsync();
        for (var i = 0; i < logins; i++)
        {
            await gateway.WrongPinAsync(fresh[i]);
        }

        var afterFailure = await stats.GetStorageAsync();
        var byState = new JsonObject();
        foreach (var (state, count) in afterSuccess.Writes)
        {
            byState[state] = Math.Round((count - before.Writes.GetValueOrDefault(state)) / (double)logins, 2);
        }

        // The expiry journal's batched bucket writes are in successfulByState ("expiry"), not in the login's own count.
        var perSuccess = (afterSuccess.RecordWrites - before.RecordWrites) / (double)logins;
        var perFailure = (afterFailure.RecordWrites - afterSuccess.RecordWrites) / (double)logins;
        var writes = new JsonObject
        {
            ["logins"] = logins,
            ["perSuccessfulPinLogin"] = Math.Round(perSuccess, 2),
            ["perFailedPinLogin"] = Math.Round(perFailure, 2),
            ["successfulByState"] = byState,
        };
        Target.Attach(writes, [Target.AtMostOf("per successful PIN login", perSuccess, 2, ""), Target.AtMostOf("per failed PIN login", perFailure, 1, "")]);
        return writes;
    }

    /// <summary>Sequential PIN logins, each on an account whose grains were all deactivated since its last login.</summary>
    private static async Task<Measured> ColdAsync(Microsoft.Extensions.Hosting.IHost cluster, Gateway gateway, List<Account> accounts, TimeSpan duration)
    {
        var latencies = new List<double>();
        long errors = 0;
        var measured = TimeSpan.Zero;
        // One warm-up pass (connections, JIT), not measured.
        await gateway.PinLoginAsync(accounts[0]);
        while (measured < duration)
        {
            await cluster.DeactivateAllAsync();
            foreach (var account in accounts)
            {
                var started = Stopwatch.GetTimestamp();
                errors += await gateway.PinLoginAsync(account) ? 0 : 1;
                var elapsed = Stopwatch.GetElapsedTime(started);
                latencies.Add(elapsed.TotalMilliseconds);
                measured += elapsed;
                if (measured >= duration)
                {
                    break;
                }
            }
        }

        return Measured.Of("cold PIN login", latencies, errors, measured.TotalSeconds);
    }

    /// <summary>Argon2id hashes per second with the configured parameters, one hashing thread per core, nothing else running.</summary>
    private static double KdfCeiling(TimeSpan duration)
    {
        var options = new HashingOptions { Pepper = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
        var hasher = new Argon2idSecretHasher(Options.Create(options));
        var stored = hasher.Hash("1357");
        var count = 0L;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var threads = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                hasher.Verify("1357", stored);
                Interlocked.Increment(ref count);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<(Dictionary<string, Measured> Result, Dictionary<string, double> Cpu)> MeasureAsync(IReadOnlyDictionary<string, int> processes, Func<Task<Dictionary<string, Measured>>> run)
    {
        var all = new Dictionary<string, int>(processes) { ["bench"] = Environment.ProcessId };
        var cpu = CpuSample.Take(all);
        var result = await run();
        return (result, cpu.PercentSince(all));
    }

    /// <summary>
    /// One row of the results. <paramref name="targets"/> are what it is judged by (none: it is reported only);
    /// <paramref name="note"/> is shown before them ("(informative)") or instead of them ("offered 41.3/s").
    /// </summary>
    private static JsonObject Scenario(
        string name, Measured measured, Dictionary<string, double> cpu, string? against, double ceiling, double ratio, IReadOnlyCollection<Target> targets,
        string? note = null, JsonObject? extra = null)
    {
        var json = Json(measured, cpu);
        json["name"] = name;
        json["note"] = note;
        Target.Attach(json, targets);
        if (against is not null)
        {
            json["against"] = against;
            json["ceiling"] = Math.Round(ceiling, 1);
            json["ratio"] = Math.Round(ratio, 3);
        }

        foreach (var (key, value) in extra ?? [])
        {
            json[key] = value?.DeepClone();
        }

        return json;
    }

    private static JsonObject Json(Measured m, Dictionary<string, double>? cpu)
    {
        var json = new JsonObject
        {
            ["requests"] = m.Requests,
            ["errors"] = m.Errors,
            ["rps"] = Math.Round(m.Rps, 1),
            ["p50"] = Math.Round(m.P50, 2),
            ["p90"] = Math.Round(m.P90, 2),
            ["p99"] = Math.Round(m.P99, 2),
        };
        if (cpu is not null)
        {
            json["cpu"] = new JsonObject(cpu.Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value)));
        }

        return json;
    }

    public static JsonObject Machine()
    {
        var model = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return new JsonObject
        {
            ["cpus"] = Environment.ProcessorCount,
            ["cpuModel"] = model ?? "unknown",
            ["memoryGiB"] = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024), 1),
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["dotnet"] = Environment.Version.ToString(),
        };
    }
}
