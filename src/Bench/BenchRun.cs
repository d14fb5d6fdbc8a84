using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using PinOrleans.Security;

namespace PinOrleans.Bench;

/// <summary>
/// The ceilings and the scenarios, in one run, against a gateway that bench.sh started and, with <c>--peer URL</c>,
/// the stock peer beside it: each scenario the peer serves runs on both services back to back, the order flipping from
/// one scenario to the next, so that drift of the machine falls on both alike. <c>--only a,b</c> runs only the
/// scenarios named (pin, validation, flood, unknown-flood, cold, mix, race) and what they need, without storage writes.
/// </summary>
public static class BenchRun
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var results = new JsonObject { ["machine"] = Machine(), ["when"] = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture) };
        if (options.Find("setup") is { } setup)
        {
            results["setup"] = setup;
        }

        var scenarios = new JsonArray();
        results["scenarios"] = scenarios;
        using var http = Gateway.NewClient();
        var pinorleans = new Service("PinOrleans", new Gateway(http, options.Api, options.ApiKey, options.ApiSecret), options.Processes, "silo", scenarios);
        Service? peer = null;
        if (options.Peer is { } peerUrl)
        {
            peer = new Service("stock peer", new Gateway(http, peerUrl, options.Get("peer-apikey"), options.Get("peer-secret")), options.PeerProcesses, "peer", []);
            results["peer"] = new JsonObject { ["name"] = "ASP.NET Core Identity + EF Core + PostgreSQL", ["url"] = peerUrl, ["scenarios"] = peer.Rows };
        }
        else
        {
            results["peer"] = new JsonObject { ["skipped"] = options.PeerSkipped ?? "no --peer given" };
        }

        using var cluster = await Cluster.ConnectAsync(options);
        var validationConcurrency = options.Int("validation-concurrency", 8);
        var only = options.Find("only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        bool Runs(params string[] any) => only is null || any.Any(s => only.Contains(s, StringComparer.OrdinalIgnoreCase));
        Service[] services = peer is null ? [pinorleans] : [pinorleans, peer];
        var turn = 0;
        async Task OnEachAsync(Func<Service, Task> scenario)
        {
            foreach (var service in turn++ % 2 == 0 ? services : services.Reverse())
            {
                await SettleAsync(services);
                await scenario(service);
            }
        }

        // Ceilings, measured in this run on this machine.
        await SettleAsync(services);
        var (kdf, cpuPerHash) = KdfCeiling(TimeSpan.FromSeconds(Math.Max(5, options.Duration.TotalSeconds / 2)));
        Console.WriteLine($"KDF ceiling: {kdf:F1} Argon2id hashes/s on {Environment.ProcessorCount} cores, {cpuPerHash * 1000:F1} ms of CPU each");
        results["ceilings"] = new JsonObject { ["kdfHashesPerSecond"] = Math.Round(kdf, 1), ["kdfCpuMsPerHash"] = Math.Round(cpuPerHash * 1000, 2) };
        Measured? httpAll = null;
        if (Runs("validation"))
        {
            var ceilingUrl = options.Get("ceiling").TrimEnd('/');
            var httpCeiling = await MeasureAsync(options.Processes, () => Load.ClosedAsync(http, validationConcurrency, options.Warmup, options.Duration, _ => "http",
                _ => (client, _, n) => pinorleans.Gateway.ValidateAsync(ceilingUrl, Guid.NewGuid().ToString())));
            httpAll = httpCeiling.Result["all"];
            Console.WriteLine($"HTTP ceiling: {httpAll}");
            results["ceilings"]!["http"] = Json(httpAll, httpCeiling.Cpu);
        }

        Console.WriteLine("Seeding accounts (create with a PIN, password login) ...");
        var seedWatch = Stopwatch.StartNew();
        var raceRounds = options.Int("race-rounds", 3);
        await OnEachAsync(async service =>
        {
            var gateway = service.Gateway;
            service.Pool = Runs("pin", "validation", "flood", "unknown-flood", "mix") ? await gateway.SeedManyAsync("pin", options.Int("accounts", 200), 8) : [];
            service.Locked = Runs("flood") ? await gateway.SeedManyAsync("locked", 32, 8) : [];
            service.Wrong = Runs("mix") ? await gateway.SeedManyAsync("wrong", 64, 8) : [];
            service.Race = Runs("race") ? await gateway.SeedManyAsync("race", raceRounds + 1, 8) : [];
            foreach (var account in service.Locked)
            {
                for (var i = 0; i < LockoutRace.Threshold; i++)
                {
                    await gateway.WrongPinAsync(account);
                }

                if (!await gateway.LockedGuessAsync(account))
                {
                    throw new InvalidOperationException($"{service.Name}: a flood account did not lock after {LockoutRace.Threshold} wrong PINs.");
                }
            }
        });
        var cold = only is null || Runs("cold") ? await pinorleans.Gateway.SeedManyAsync("cold", options.Int("cold-accounts", 200), 8) : [];
        Console.WriteLine($"Seeded {services.Sum(s => s.Pool.Count + s.Locked.Count + s.Wrong.Count + s.Race.Count) + cold.Count} accounts in {seedWatch.Elapsed.TotalSeconds:F0} s");
        await MembershipSettledAsync(options);
        if (only is null)
        {
            results["storageWrites"] = await StorageWritesAsync(cluster, pinorleans.Gateway, pinorleans.Pool, cold);
            Console.WriteLine($"Storage writes: {results["storageWrites"]!.ToJsonString()}");
        }

        // 1. PIN login, spread over many accounts. Half its rate is what the legitimate logins of 3 and 4 offer
        // (without it, half of 85 % of the KDF ceiling); it also gives every account an access token for 2 and 6.
        foreach (var service in services)
        {
            service.LegitRate = Math.Max(1, kdf * 0.85 / 2);
        }

        if (Runs("pin", "validation", "flood", "mix"))
        {
            await OnEachAsync(async service =>
            {
                var pool = service.Pool;
                var pinLogin = await MeasureAsync(service.Processes, () => Load.ClosedAsync(http, options.Int("pin-concurrency", 4 * Environment.ProcessorCount), options.Warmup, options.Duration,
                    _ => "pin login", _ => (_, _, n) => service.Gateway.PinLoginAsync(pool[(int)(n % pool.Count)])));
                var pinAll = pinLogin.Result["all"];
                Console.WriteLine($"{service.Name}: {pinAll}");
                service.Rows.Add(Scenario("pin", "PIN login", pinAll, pinLogin.Cpu, "KDF ceiling", kdf, pinAll.Rps / kdf,
                    [Target.AtLeastOf("throughput vs KDF ceiling", pinAll.Rps / kdf * 100, 85, " %")]));
                service.LegitRate = Math.Max(1, pinAll.Rps / 2);
            });
            if (peer is not null)
            {
                // Issue 16: PIN login above the stock peer's share of the same ceiling.
                var ours = scenarios.Single(r => (string?)r!["key"] == "pin")!.AsObject();
                var theirs = peer.Rows.Single(r => (string?)r!["key"] == "pin")!;
                var ratio = ours["ratio"]!.GetValue<double>() / Math.Max(theirs["ratio"]!.GetValue<double>(), double.Epsilon);
                Target.Attach(ours, [.. Target.Of(ours), Target.AtLeastOf("vs the stock peer's share of the KDF ceiling", ratio, 1, "×")]);
            }
        }

        // 2. Access-token validation.
        if (httpAll is not null)
        {
            await OnEachAsync(async service =>
            {
                var tokens = service.Pool.Select(a => a.AccessToken).OfType<string>().ToArray();
                var validation = await MeasureAsync(service.Processes, () => Load.ClosedAsync(http, validationConcurrency, options.Warmup, options.Duration,
                    _ => "validation", _ => (_, _, n) => service.Gateway.ValidateAsync(tokens[n % tokens.Length])));
                var valAll = validation.Result["all"];
                Console.WriteLine($"{service.Name}: {valAll}");
                service.Rows.Add(Scenario("validation", "Access-token validation", valAll, validation.Cpu, "HTTP ceiling", httpAll.Rps, valAll.Rps / httpAll.Rps,
                    [Target.AtLeastOf("throughput vs HTTP ceiling", valAll.Rps / httpAll.Rps * 100, 50, " %"), Target.AtMostOf("p99", valAll.P99, 5, " ms")]));
            });
        }

        // 3 and 4. Legitimate PIN logins at that rate, alone, then beside floods.
        if (Runs("flood", "unknown-flood"))
        {
            await OnEachAsync(async service =>
            {
                if (service != pinorleans && !Runs("flood"))
                {
                    return; // the unknown-identifier flood is PinOrleans' alone
                }

                var alone = await MeasureAsync(service.Processes, async () => new Dictionary<string, Measured>
                {
                    ["legit"] = await Load.OpenAsync(http, service.LegitRate, options.Warmup, options.Duration, Legit(service), "legit PIN login"),
                });
                service.Alone = alone.Result["legit"];
                Console.WriteLine($"{service.Name}: {service.Alone}");
                service.Rows.Add(Scenario("alone", "Legit PIN login, alone", service.Alone, alone.Cpu, null, 0, 0, [], $"offered {service.LegitRate:F1}/s"));
            });
            if (Runs("flood"))
            {
                // 3. Beside a flood of wrong PINs against locked accounts (refused before any hashing): back to back, then paced.
                await OnEachAsync(async service =>
                {
                    foreach (var row in await LockedFloodAsync(options, http, service))
                    {
                        service.Rows.Add(row);
                    }
                });
                await OnEachAsync(async service => service.Rows.Add(await PacedFloodAsync(options, http, service)));
            }

            if (Runs("unknown-flood"))
            {
                // 4. Beside a flood of password logins for e-mails nobody has: each would cost a full hash, but the anonymous
                // lane is bounded, so the flood is refused at once and the PIN logins go ahead of what it got queued.
                foreach (var scenario in await UnknownFloodAsync(options, http, pinorleans))
                {
                    scenarios.Add(scenario);
                }
            }
        }

        // 5. Cold PIN login at low load: every grain deactivated before each pass over the accounts.
        if (cold.Count > 0)
        {
            var coldResult = await MeasureAsync(options.Processes, async () => new Dictionary<string, Measured> { ["cold"] = await ColdAsync(cluster, pinorleans.Gateway, cold, options.Duration) });
            var coldAll = coldResult.Result["cold"];
            Console.WriteLine(coldAll);
            scenarios.Add(Scenario("cold", "Cold PIN login (one at a time)", coldAll, coldResult.Cpu, null, 0, 0, [Target.AtMostOf("p99", coldAll.P99, 60, " ms")]));
        }

        // 6. The mix: 90 % validation, 9 % PIN login, 1 % wrong PIN.
        if (Runs("mix"))
        {
            await OnEachAsync(async service => service.Rows.Add(await MixAsync(options, http, service)));
        }

        // 7. The lockout race: many wrong PINs at once on one account.
        if (Runs("race"))
        {
            await OnEachAsync(async service => service.Rows.Add(await LockoutRace.RunAsync(service, options.Int("race-concurrency", 200), cpuPerHash)));
        }

        Directory.CreateDirectory(options.OutputDirectory);
        var path = Path.Combine(options.OutputDirectory, "run.json");
        await File.WriteAllTextAsync(path, results.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"Wrote {path}");
        await cluster.StopAsync();
        return 0;
    }

    /// <summary>
    /// A silo writes every login's statistics until its membership has stood still for
    /// <c>Accounts:StableMembershipSeconds</c> (60 by default; docs/security-model.md): the figures are those of a settled
    /// service, so the measuring starts <c>--membership-settle-seconds</c> (65) after this program started, which
    /// bench.sh does once the service answers ready (after the silo's last membership change).
    /// </summary>
    private static async Task MembershipSettledAsync(BenchOptions options)
    {
        var settled = Process.GetCurrentProcess().StartTime.ToUniversalTime() + TimeSpan.FromSeconds(options.Int("membership-settle-seconds", 65));
        var wait = settled - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            Console.WriteLine($"Waiting {wait.TotalSeconds:F0} s more, until the silo's membership has stood still for a minute (until then every login writes its statistics).");
            await Task.Delay(wait);
        }
    }

    /// <summary>
    /// Waits until the processes of every service are quiet (together under 25 % of one core for half a second), at
    /// most a minute: a service still working off what its last scenario left queued (a flood it could not keep up
    /// with) would take CPU from the next scenario, whichever service that one measures.
    /// </summary>
    private static async Task SettleAsync(Service[] services)
    {
        var processes = new Dictionary<string, int>();
        foreach (var (name, pid) in services.SelectMany(s => s.Processes.Select(p => ($"{s.Name}/{p.Key}", p.Value))))
        {
            processes[name] = pid;
        }

        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var sample = CpuSample.Take(processes);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var busy = sample.PercentSince(processes).Values.Sum();
            var waited = Stopwatch.GetElapsedTime(started);
            if (busy < 25)
            {
                if (waited > TimeSpan.FromSeconds(2))
                {
                    Console.WriteLine($"Waited {waited.TotalSeconds:F0} s for the services to go quiet.");
                }

                return;
            }

            if (waited > TimeSpan.FromMinutes(1))
            {
                Console.WriteLine($"The services did not go quiet within a minute ({busy:F0} % of a core); measuring anyway.");
                return;
            }
        }
    }

    /// <summary>A legitimate PIN login on the service's accounts, in turn.</summary>
    private static Request Legit(Service service) => (_, _, n) => service.Gateway.PinLoginAsync(service.Pool[(int)(n % service.Pool.Count)]);

    private static async Task<JsonObject> MixAsync(BenchOptions options, HttpClient http, Service service)
    {
        var (pool, wrong, gateway) = (service.Pool, service.Wrong, service.Gateway);
        var mix = await MeasureAsync(service.Processes, () => Load.ClosedAsync(http, options.Int("mix-concurrency", 16), options.Warmup, options.Duration,
            n => (n % 100) switch { < 90 => "validation", < 99 => "PIN login", _ => "wrong PIN" },
            kind => kind switch
            {
                "validation" => (_, _, n) => gateway.ValidateAsync(pool[(int)(n % pool.Count)].AccessToken!),
                "PIN login" => (_, _, n) => gateway.PinLoginAsync(pool[(int)(n % pool.Count)]),
                _ => (_, _, n) => gateway.WrongPinAsync(wrong[(int)(n % wrong.Count)]),
            }));
        Console.WriteLine($"{service.Name}: {mix.Result["all"]}");
        var mixDetail = new JsonObject();
        foreach (var (kind, measured) in mix.Result.Where(r => r.Key != "all"))
        {
            Console.WriteLine("  " + measured);
            mixDetail[kind] = Json(measured, null);
        }

        return Scenario("mix", "Mix 90/9/1", mix.Result["all"], mix.Cpu, null, 0, 0, [], "reported", new JsonObject { ["byKind"] = mixDetail });
    }

    /// <summary>What a flood may cost legitimate logins: the same two targets beside either flood.</summary>
    private static Target[] BesideAFlood(double kept, double p99Rise) =>
        [Target.AtLeastOf("throughput vs alone", kept * 100, 90, " %"), Target.AtMostOf("p99 rise", p99Rise, 1.5, "×")];

    /// <summary>
    /// The legitimate PIN logins beside 8 connections of wrong PINs against locked accounts, back to back: what a flood
    /// costs legitimate logins when it takes every spare cycle.
    /// </summary>
    private static async Task<List<JsonObject>> LockedFloodAsync(BenchOptions options, HttpClient http, Service service)
    {
        var (locked, baseLegit) = (service.Locked, service.Alone!);
        var floodConcurrency = options.Int("flood-concurrency", 8);
        var flooded = await MeasureAsync(service.Processes, async () =>
        {
            var legitTask = Load.OpenAsync(http, service.LegitRate, options.Warmup, options.Duration, Legit(service), "legit PIN login");
            var floodTask = Load.ClosedAsync(http, floodConcurrency, options.Warmup, options.Duration, _ => "flood", _ => (_, _, n) => service.Gateway.LockedGuessAsync(locked[(int)(n % locked.Count)]));
            return new Dictionary<string, Measured> { ["legit"] = await legitTask, ["flood"] = (await floodTask)["all"] };
        });
        var floodLegit = flooded.Result["legit"];
        var floodAttack = flooded.Result["flood"];
        Console.WriteLine($"{service.Name}: {baseLegit} | under flood: {floodLegit} | flood: {floodAttack}");
        var keep = floodLegit.Rps / baseLegit.Rps;
        var rise = floodLegit.P99 / baseLegit.P99;
        return
        [
            Scenario("flood", "Legit PIN login under flood", floodLegit, flooded.Cpu, "alone", baseLegit.Rps, keep, BesideAFlood(keep, rise),
                extra: new JsonObject { ["p99Rise"] = Math.Round(rise, 2) }),
            Scenario("flood-attack", $"Flood of wrong PINs on locked accounts ({floodConcurrency} connections)", floodAttack, flooded.Cpu, null, 0, 0,
                [Target.None("answers other than 1198", floodAttack.Errors)]),
        ];
    }

    /// <summary>The legitimate PIN logins beside a paced flood of wrong PINs (<c>--flood-rate</c>, 1000/s): with CPU to spare.</summary>
    private static async Task<JsonObject> PacedFloodAsync(BenchOptions options, HttpClient http, Service service)
    {
        var (locked, baseLegit) = (service.Locked, service.Alone!);
        var floodRate = options.Int("flood-rate", 1000);
        var paced = await MeasureAsync(service.Processes, async () =>
        {
            var legitTask = Load.OpenAsync(http, service.LegitRate, options.Warmup, options.Duration, Legit(service), "legit PIN login");
            var floodTask = Load.OpenAsync(http, floodRate, options.Warmup, options.Duration, (_, _, n) => service.Gateway.LockedGuessAsync(locked[(int)(n % locked.Count)]), "flood");
            return new Dictionary<string, Measured> { ["legit"] = await legitTask, ["flood"] = await floodTask };
        });
        var pacedLegit = paced.Result["legit"];
        Console.WriteLine($"{service.Name}: under a {floodRate}/s flood: {pacedLegit} | flood: {paced.Result["flood"]}");
        var pacedKeep = pacedLegit.Rps / baseLegit.Rps;
        var pacedRise = pacedLegit.P99 / baseLegit.P99;
        return Scenario("paced", $"Legit PIN login beside a {floodRate} req/s flood", pacedLegit, paced.Cpu, "alone", baseLegit.Rps, pacedKeep, BesideAFlood(pacedKeep, pacedRise),
            "(informative)", new JsonObject { ["p99Rise"] = Math.Round(pacedRise, 2), ["floodP99"] = Math.Round(paced.Result["flood"].P99, 2), ["floodErrors"] = paced.Result["flood"].Errors });
    }

    /// <summary>
    /// Legitimate PIN logins at the service's legitimate rate (open loop) beside <c>--unknown-flood-concurrency</c> (32)
    /// connections sending password logins for unknown e-mails back to back. Rows: the PIN logins against its logins
    /// alone (at least 90 % of their throughput, p99 at most 1.5 s), the refused flood requests (how fast, which
    /// status), and those the flood got hashed (answered 401).
    /// </summary>
    private static async Task<List<JsonObject>> UnknownFloodAsync(BenchOptions options, HttpClient http, Service service)
    {
        var (gateway, alone) = (service.Gateway, service.Alone!);
        var concurrency = options.Int("unknown-flood-concurrency", 32);
        var run = await MeasureAsync(service.Processes, async () =>
        {
            var legitTask = Load.OpenAsync(http, service.LegitRate, options.Warmup, options.Duration, Legit(service), "legit PIN login");
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
            Scenario("unknown-flood", "PIN login under an unknown-identifier flood", underFlood, run.Cpu, "alone", alone.Rps, keep,
                [Target.AtLeastOf("throughput vs alone", keep * 100, 90, " %"), Target.AtMostOf("p99", underFlood.P99, 1500, " ms")]),
            Scenario("unknown-flood-refused", $"Unknown-identifier flood ({concurrency} connections), refused", refused, run.Cpu, null, 0, 0,
                [
                    Target.AtLeastOf("503 + Retry-After answers", refused.Requests, 1, "") with { OnChart = false },
                    Target.None("answers other than 503 + Retry-After or 401", flood.Errors),
                    Target.AtMostOf("p99", refused.P99, 100, " ms"),
                ],
                extra: new JsonObject { ["statuses"] = statuses, ["floodRps"] = Math.Round(flood.Rps, 1) }),
            Scenario("unknown-flood-hashed", "Unknown-identifier flood, hashed (401)", hashed, run.Cpu, null, 0, 0, [], "(informative) the hashes the flood got"),
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
            // Reads too: a warm account and session, and a new token pair that is written without being read first.
            ["readsPerSuccessfulPinLogin"] = Math.Round((afterSuccess.RecordReads - before.RecordReads) / (double)logins, 2),
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

    /// <summary>
    /// Argon2id hashes per second with the configured parameters, one hashing thread per core, nothing else running;
    /// and the CPU seconds one verification takes (what this process spent over the count, whatever else the machine ran).
    /// </summary>
    private static (double PerSecond, double CpuSecondsPerHash) KdfCeiling(TimeSpan duration)
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
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        return (count / elapsed, cpu / Math.Max(1, count));
    }

    private static async Task<(Dictionary<string, Measured> Result, Dictionary<string, double> Cpu)> MeasureAsync(IReadOnlyDictionary<string, int> processes, Func<Task<Dictionary<string, Measured>>> run)
    {
        var all = new Dictionary<string, int>(processes) { ["bench"] = Environment.ProcessId };
        var cpu = CpuSample.Take(all);
        var result = await run();
        return (result, cpu.PercentSince(all));
    }

    /// <summary>
    /// One row of the results. <paramref name="key"/> names the scenario whatever its title says (the report pairs
    /// PinOrleans' rows with the peer's by it); <paramref name="targets"/> are what it is judged by (none: it is
    /// reported only); <paramref name="note"/> is shown before them ("(informative)") or instead of them ("offered 41.3/s").
    /// </summary>
    internal static JsonObject Scenario(
        string key, string name, Measured measured, Dictionary<string, double> cpu, string? against, double ceiling, double ratio, IReadOnlyCollection<Target> targets,
        string? note = null, JsonObject? extra = null)
    {
        var json = Json(measured, cpu);
        json["key"] = key;
        json["name"] = name;
        json["note"] = note;
        Target.Attach(json, targets);
        if (against is not null)
        {
            json["against"] = against;
            json["ceiling"] = Math.Round(ceiling, 1);
            json["ratio"] = Math.Round(ratio, 3);
        }

        foreach (var (field, value) in extra ?? [])
        {
            json[field] = value?.DeepClone();
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
