using System.Diagnostics;
using System.Text.Json.Nodes;

namespace PinOrleans.Bench;

/// <summary>
/// The lockout race: <c>--race-concurrency</c> (200) wrong PINs sent at once on one fresh account, <c>--race-rounds</c>
/// (3) times, each on its own account (the service's <see cref="Service.Race"/> accounts but the last, which is the
/// locked account the CPU of refusals is measured on). An exact lockout answers <see cref="Threshold"/> of them
/// "Invalid PIN" (1236, each a hash whose failure was counted) and refuses every other one as locked (1198) before
/// hashing.
/// </summary>
public static class LockoutRace
{
    /// <summary>Failures that lock an account: PinOrleans' default lockout policy and the peer's Identity options alike.</summary>
    public const int Threshold = 5;

    /// <summary>
    /// The races on <paramref name="service"/>'s race accounts, as one result row. Hashes are counted twice: from the
    /// answers (each 1236 and each HTTP 409 of the peer comes after its Argon2id verification; a lower bound, since an
    /// answer that failed otherwise may have hashed too), and from CPU: what the hashing process spent on the race
    /// beyond what it spends on the same burst against an account locked beforehand (all refused before hashing), over
    /// the CPU one verification costs (<paramref name="cpuSecondsPerHash"/>, measured with the KDF ceiling); not
    /// measurable (null) when more than 5 % of that burst was not refused.
    /// </summary>
    public static async Task<JsonObject> RunAsync(Service service, int concurrency, double cpuSecondsPerHash)
    {
        var processes = new Dictionary<string, int>(service.Processes) { ["bench"] = Environment.ProcessId };
        var races = new JsonArray();
        var latencies = new List<double>();
        var cpuSeconds = processes.Keys.ToDictionary(k => k, _ => 0.0);
        double seconds = 0, hashesByCpu = 0;
        long verdicts = 0, conflicts = 0, other = 0, inexact = 0, measurable = 0;
        var locked = service.Race[^1];
        for (var i = 0; i < Threshold; i++)
        {
            await service.Gateway.WrongPinAsync(locked);
        }

        foreach (var account in service.Race[..^1])
        {
            await WarmConnectionsAsync(service.Gateway, concurrency);
            var cpu = CpuSample.Take(processes);
            var race = await BurstAsync(service.Gateway, account, concurrency);
            var raceCpu = cpu.SecondsSince(processes);
            cpu = CpuSample.Take(processes);
            var refused = await BurstAsync(service.Gateway, locked, concurrency);
            var refusedCpu = cpu.SecondsSince(processes);

            // Measurable only when the burst on the locked account was refused (all but 5 % at most), as it should be.
            var refusedOther = refused.Count(a => a != Answer.Locked);
            double? hashes = refusedOther <= concurrency / 20 ? Math.Max(0, raceCpu[service.Hashing] - refusedCpu[service.Hashing]) / cpuSecondsPerHash : null;
            verdicts += race.Verdicts;
            conflicts += race.Conflicts;
            other += race.Other;
            inexact += race.Verdicts == Threshold && race.Locked == concurrency - Threshold ? 0 : 1;
            if (hashes is { } measuredHashes)
            {
                hashesByCpu += measuredHashes;
                measurable++;
            }

            seconds += race.Seconds;
            latencies.AddRange(race.Latencies);
            foreach (var (name, spent) in raceCpu)
            {
                cpuSeconds[name] += spent;
            }

            races.Add(new JsonObject
            {
                ["verdicts"] = race.Verdicts,
                ["locked"] = race.Locked,
                ["conflicts"] = race.Conflicts,
                ["other"] = race.Other,
                ["ms"] = Math.Round(race.Seconds * 1000, 1),
                ["hashesFromAnswers"] = race.Verdicts + race.Conflicts,
                ["hashesByCpu"] = hashes is { } h ? Math.Round(h, 1) : null,
                ["hashingCpuSeconds"] = Math.Round(raceCpu[service.Hashing], 2),
                ["refusedBurstCpuSeconds"] = Math.Round(refusedCpu[service.Hashing], 2),
                ["refusedBurstOther"] = refusedOther,
            });
        }

        var rounds = Math.Max(1, races.Count);
        var measured = Measured.Of("lockout race", latencies, conflicts + other, Math.Max(seconds, double.Epsilon));
        Console.WriteLine($"{service.Name}: lockout race, {concurrency} concurrent wrong PINs on one account: {races.ToJsonString()}");
        var cpuPercent = cpuSeconds.ToDictionary(c => c.Key, c => Math.Round(seconds > 0 ? 100 * c.Value / seconds : 0, 1));
        return BenchRun.Scenario(
            "race", $"Lockout race ({concurrency} concurrent wrong PINs on one account)", measured, cpuPercent, null, 0, 0,
            [
                Target.None($"races not answered exactly {Threshold} × 1236, the rest 1198", inexact),
                Target.None("answers other than 1236 or 1198", conflicts + other),
            ],
            extra: new JsonObject
            {
                ["concurrency"] = concurrency,
                ["races"] = races,
                ["verdicts"] = Math.Round(verdicts / (double)rounds, 1),
                ["conflicts"] = Math.Round(conflicts / (double)rounds, 1),
                ["hashesFromAnswers"] = Math.Round((verdicts + conflicts) / (double)rounds, 1),
                ["hashesByCpu"] = measurable > 0 ? Math.Round(hashesByCpu / measurable, 1) : null,
                ["raceMs"] = Math.Round(seconds * 1000 / rounds, 1),
            });
    }

    private enum Answer
    {
        Verdict,
        Locked,
        Conflict,
        Other,
    }

    private sealed record Burst(List<Answer> Answers, List<double> Latencies, double Seconds)
    {
        public int Verdicts => Count(a => a == Answer.Verdict);
        public int Locked => Count(a => a == Answer.Locked);
        public int Conflicts => Count(a => a == Answer.Conflict);
        public int Other => Count(a => a == Answer.Other);

        public int Count(Func<Answer, bool> which) => Answers.Count(which);
    }

    /// <summary>All <paramref name="concurrency"/> requests released at once; the time is until the last answer.</summary>
    private static async Task<Burst> BurstAsync(Gateway gateway, Account account, int concurrency)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            await go.Task;
            var sent = Stopwatch.GetTimestamp();
            Answer answer;
            try
            {
                answer = await gateway.WrongPinAnswerAsync(account) switch
                {
                    (401, 1236) => Answer.Verdict,
                    (403, 1198) => Answer.Locked,
                    (409, _) => Answer.Conflict,
                    _ => Answer.Other,
                };
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                answer = Answer.Other;
            }

            return (Answer: answer, Ms: Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        }).ToList();
        var started = Stopwatch.GetTimestamp();
        go.SetResult();
        var answers = await Task.WhenAll(requests);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Burst([.. answers.Select(a => a.Answer)], [.. answers.Select(a => a.Ms)], seconds);
    }

    /// <summary>As many connections open as the race needs, so that neither service's race pays for opening them.</summary>
    private static async Task WarmConnectionsAsync(Gateway gateway, int concurrency) =>
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            try
            {
                await gateway.ValidateAsync("connection-warm-up");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                // A connection that could not open is opened by the race itself.
            }
        }));
}
