using System.Diagnostics;

namespace PinOrleans.Tests.Infrastructure;

/// <summary>
/// The suite's one way to wait for what another thread, process, timer or server does: check a condition again and
/// again until it holds. The timeout only bounds a test that is failing; a passing one waits as long as the thing
/// takes, not a guessed fixed time.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Waits until <paramref name="condition"/> holds; else throws <see cref="TimeoutException"/> with <paramref name="seen"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, Func<string>? seen = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var waited = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(5);
        while (!await condition())
        {
            if (waited.Elapsed >= limit)
            {
                throw new TimeoutException($"Still not so after {limit.TotalSeconds:F0} s{(seen is null ? "" : ": " + seen())}");
            }

            await Task.Delay(pause);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(100).Ticks));
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null, Func<string>? seen = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, seen);

    /// <summary>Asks <paramref name="probe"/> until its answer satisfies <paramref name="done"/>; answers that answer.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, Func<T, string>? seen = null)
    {
        var last = default(T)!;
        await UntilAsync(async () => done(last = await probe()), timeout, seen is null ? null : () => seen(last));
        return last;
    }
}
