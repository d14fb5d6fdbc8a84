using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PinOrleans.Accounts;
using PinOrleans.Security;
using PinOrleans.Sessions;
using PinOrleans.Tenants;

namespace PinOrleans.Bench;

/// <summary>
/// Silo memory per active account. "seed" creates the accounts and a PIN session each (straight through the
/// grains; bench.sh runs the silo with cheap hashing for this, which changes no stored size). bench.sh then
/// restarts the silo, and "measure" reads its resident set, validates every account's PIN session (which needs its
/// session grain alone: the account tracks its password login's session), collects garbage and reads it again; then
/// wakes every account grain too (as a PIN login would) and reads it once more.
/// </summary>
public static class MemoryRun
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var count = options.Int("accounts", 100_000);
        var sessionsFile = Path.Combine(options.OutputDirectory, "memory-sessions.txt");
        using var host = await Cluster.ConnectAsync(options);
        var grains = host.Services.GetRequiredService<IClusterClient>();
        if (options.Get("step") == "seed")
        {
            File.Delete(sessionsFile);
            await SeedAsync(grains, options.ApiKey, 0, count, sessionsFile);
        }
        else
        {
            var result = await MeasureAsync(host, grains, options.Processes["silo"], options.ApiKey, await File.ReadAllLinesAsync(sessionsFile));
            await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, "memory.json"), result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        await host.StopAsync();
        return 0;
    }

    /// <summary>
    /// Creates <paramref name="count"/> accounts (numbered from <paramref name="from"/>) with a PIN and a PIN session
    /// each, through the grains, and appends their session tokens to <paramref name="sessionsFile"/>. Returns accounts per second.
    /// </summary>
    public static async Task<double> SeedAsync(IClusterClient grains, string apiKey, int from, int count, string sessionsFile, int parallel = 64)
    {
        var tenant = (await grains.Reference<ITenantGrain>(apiKey).AuthorizeAsync(null, false)).Tenant!;
        var sessions = new string[count];
        var done = 0;
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(from, count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, _) =>
        {
            sessions[i - from] = await AccountWithSessionAsync(grains, tenant, apiKey, i);
            if (Interlocked.Increment(ref done) % 10_000 == 0)
            {
                Console.WriteLine($"  {done} accounts with sessions ({done / watch.Elapsed.TotalSeconds:F0}/s)");
            }
        });
        Directory.CreateDirectory(Path.GetDirectoryName(sessionsFile)!);
        await File.AppendAllLinesAsync(sessionsFile, sessions);
        Console.WriteLine($"Seeded {count} accounts with sessions in {watch.Elapsed.TotalSeconds:F0} s");
        return count / Math.Max(0.001, watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// One account with a PIN and a PIN session; its session token. Storage that did not answer in time (a slow
    /// Azurite under the seeding load) gets the whole account again under a new Uid and e-mail, as a client would
    /// after a 503: the first try may have landed in part, and a retry under the same names would find them taken.
    /// </summary>
    private static async Task<string> AccountWithSessionAsync(IClusterClient grains, Tenants.TenantSnapshot tenant, string apiKey, int i)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var user = grains.Reference<IUserGrain>(AccountKeys.User(apiKey, AccountKeys.NewUid()));
                var account = new NewAccount
                {
                    Email = [new EmailAddress("Primary", $"memory-{i}-{Guid.NewGuid():N}@bench.example")],
                    Password = new Sensitive(Gateway.Password),
                    Pin = new Sensitive(Gateway.Pin),
                };
                var created = await WhenHashingAdmitsAsync(() => user.CreateAsync(tenant, account));
                if (created.Problem is { } problem)
                {
                    throw new InvalidOperationException($"create: {problem.Code}");
                }

                var login = await WhenHashingAdmitsAsync(() => user.LoginWithPasswordAsync(tenant, new Sensitive(Gateway.Password)));
                return login.Tokens?.SessionToken ?? throw new InvalidOperationException($"login: {login.Problem?.Code}");
            }
            catch (Exception e) when (attempt < 10 && (e is StorageUnavailableException || e.InnerException is StorageUnavailableException))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt));
            }
        }
    }

    /// <summary>
    /// The call again, after a pause, while the silo's hashing queue refuses it unrun (a client's answer to 503 +
    /// Retry-After): 64 seeding calls at once overflow the anonymous lane that password logins wait in.
    /// </summary>
    private static async Task<T> WhenHashingAdmitsAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (HashingBusyException) when (attempt < 100)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20 * Math.Min(attempt, 10)));
            }
        }
    }

    /// <summary>
    /// A call that storage was too slow for (Azurite slows as its table grows: an activation's read can pass the storage
    /// timeout) is tried again, up to five times (the runtime may hand it over as an OrleansException that only names the cause): the figure is the memory of activations, not storage's speed.
    /// </summary>
    private static async Task<T> WithRetriesAsync<T>(Func<Task<T>> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (attempt < 5 && (PinOrleans.DurableWrites.IsUnavailable(e) || e is OrleansException or TimeoutException))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt));
            }
        }
    }

    /// <summary>
    /// Silo memory per active account: validates the PIN session of every account of <paramref name="sessions"/> (a
    /// first slice warms what activations share and is not counted) and reads the silo's resident set around it; then
    /// wakes those accounts' grains too and reads it again (what an account costs once it has logged in with its PIN).
    /// </summary>
    public static async Task<JsonObject> MeasureAsync(Microsoft.Extensions.Hosting.IHost host, IClusterClient grains, int silo, string apiKey, string[] sessions)
    {
        var management = host.Management();
        var refused = 0;
        var accounts = new System.Collections.Concurrent.ConcurrentBag<string>();
        async Task ActivateAsync(IEnumerable<string> batch) =>
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (session, _) =>
            {
                var validation = await WithRetriesAsync(() => grains.Reference<IPinSessionGrain>(SecretToken.KeyOf(session)!).ValidateAsync(apiKey));
                if (validation.Grant is { } grant)
                {
                    accounts.Add(AccountKeys.User(grant.ApiKey, grant.Uid));
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
            });

        // A first slice warms what every activation shares (code, pools, caches, threads) and is not counted.
        var warm = Math.Min(sessions.Length / 10, 2_000);
        await ActivateAsync(sessions.Take(warm));
        sessions = sessions[warm..];
        accounts.Clear();
        var stats = grains.GetGrain<PinOrleans.Operations.ISiloStatsGrain>(0);
        await SettleAsync(management);
        var before = CpuSample.ResidentBytes(silo);
        var heapBefore = (await stats.GetMemoryAsync()).HeapBytes;
        var activationsBefore = await management.GetTotalActivationCount();

        var watch = Stopwatch.StartNew();
        await ActivateAsync(sessions);
        var activated = watch.Elapsed;
        await SettleAsync(management);
        var after = CpuSample.ResidentBytes(silo);
        var heapAfter = (await stats.GetMemoryAsync()).HeapBytes;
        var activationsAfter = await management.GetTotalActivationCount();
        var perAccount = (after - before) / (double)sessions.Length;
        var heapPerAccount = (heapAfter - heapBefore) / (double)sessions.Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Memory: {sessions.Length} accounts' PIN sessions validated in {activated.TotalSeconds:F0} s; silo RSS {before / 1048576.0:F0} -> {after / 1048576.0:F0} MiB; {perAccount:F0} bytes per account ({heapPerAccount:F0} of managed heap); activations {activationsBefore} -> {activationsAfter}"));

        var result = new JsonObject
        {
            ["accounts"] = sessions.Length,
            ["refused"] = refused,
            ["rssBeforeBytes"] = before,
            ["rssAfterBytes"] = after,
            ["bytesPerAccount"] = Math.Round(perAccount),
            ["heapBytesPerAccount"] = Math.Round(heapPerAccount),
            ["activationsBefore"] = activationsBefore,
            ["activationsAfter"] = activationsAfter,
            ["activateSeconds"] = Math.Round(activated.TotalSeconds, 1),
        };

        // The same accounts with their account grains awake too, as after a PIN login (informative: no target). Waking
        // them reads every account row at once, which a large Azurite table may not answer within the storage timeout:
        // then this figure is left out and said so, the one above stands.
        try
        {
            await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (account, _) =>
                await WithRetriesAsync(() => grains.Reference<IUserGrain>(account).ExistsAsync()));
            await SettleAsync(management);
            var woken = CpuSample.ResidentBytes(silo);
            var heapWoken = (await stats.GetMemoryAsync()).HeapBytes;
            var activationsWoken = await management.GetTotalActivationCount();
            var perAccountWoken = (woken - before) / (double)sessions.Length;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Memory: the same {accounts.Count} accounts with their account grains awake too: silo RSS {woken / 1048576.0:F0} MiB; {perAccountWoken:F0} bytes per account ({(heapWoken - heapBefore) / (double)sessions.Length:F0} of managed heap); activations {activationsWoken}"));
            result["rssWithAccountsBytes"] = woken;
            result["bytesPerAccountWithAccount"] = Math.Round(perAccountWoken);
            result["heapBytesPerAccountWithAccount"] = Math.Round((heapWoken - heapBefore) / (double)sessions.Length);
            result["activationsWithAccounts"] = activationsWoken;
        }
        catch (Exception e) when (e is OrleansException or TimeoutException || PinOrleans.DurableWrites.IsUnavailable(e))
        {
            Console.WriteLine($"Memory: the accounts could not all be woken (storage too slow: {e.GetType().Name}); that informative figure is left out.");
        }

        Target.Attach(result, [Target.AtMostOf("bytes per active account", perAccount, 4096, " B")]);
        return result;
    }

    /// <summary>Full garbage collections on the silo until its resident set stops shrinking.</summary>
    private static async Task SettleAsync(IManagementGrain management)
    {
        for (var i = 0; i < 3; i++)
        {
            await management.ForceGarbageCollection(null!);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }
}
