using System.Collections.Concurrent;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// Slows guessing of the administrator's password: after <c>Admin:MaxFailures</c> (10) refused credentials from one
/// connection address within <c>Admin:FailureWindowSeconds</c> (300), that address gets HTTP 429 with Retry-After for
/// the rest of the window, before its credentials are even looked at. The address is the connection's (as
/// <c>X-Forwarded-For</c> from a configured proxy sets it), never <c>X-Origin-IP</c>, which a caller can choose.
/// Per gateway process; bounded (<c>Admin:MaxTrackedAddresses</c>, 10 000), so a flood of addresses cannot grow it
/// without limit, and failing safe: while it is full of live windows, every address it cannot track shares one
/// window of <c>Admin:MaxFailures</c>, so more addresses never buy more guesses (an administrator on a new address
/// may have to wait out the window during such a flood).
/// </summary>
public sealed class AdminGuard(IConfiguration configuration, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Window> _failures = new();
    private readonly Lock _overflowLock = new();
    private Window? _overflow;

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;
        public int Count;
    }

    private int MaxFailures => Math.Max(1, configuration.GetValue("Admin:MaxFailures", 10));

    private int MaxTracked => Math.Max(1, configuration.GetValue("Admin:MaxTrackedAddresses", 10_000));

    private TimeSpan Period => TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Admin:FailureWindowSeconds", 300.0)));

    /// <summary>How long <paramref name="context"/>'s address must wait, or null when it may try.</summary>
    public TimeSpan? Blocked(HttpContext context)
    {
        var now = time.GetUtcNow();
        // An address the map holds answers for itself; any other shares the overflow window.
        var window = _failures.TryGetValue(Key(context), out var own) ? own : Volatile.Read(ref _overflow);
        if (window is null || now - window.Start >= Period || Volatile.Read(ref window.Count) < MaxFailures)
        {
            return null;
        }

        return window.Start + Period - now;
    }

    public void Failed(HttpContext context)
    {
        var now = time.GetUtcNow();
        var period = Period;
        var key = Key(context);
        if (_failures.Count >= MaxTracked && !_failures.ContainsKey(key))
        {
            foreach (var stale in _failures.Where(f => now - f.Value.Start >= period).Select(f => f.Key).ToList())
            {
                _failures.TryRemove(stale, out _);
            }

            if (_failures.Count >= MaxTracked)
            {
                // Full of live windows: the address is counted in the window every untracked address shares.
                lock (_overflowLock)
                {
                    if (_overflow is null || now - _overflow.Start >= period)
                    {
                        Volatile.Write(ref _overflow, new Window(now));
                    }

                    Interlocked.Increment(ref _overflow!.Count);
                }

                return;
            }
        }

        var window = _failures.AddOrUpdate(key, _ => new Window(now), (_, current) => now - current.Start >= period ? new Window(now) : current);
        Interlocked.Increment(ref window.Count);
    }

    /// <summary>Whom a failure is counted against: the connection's address.</summary>
    public static string Key(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "-";
}
