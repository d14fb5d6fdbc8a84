using System.Collections.Concurrent;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// Slows guessing of the administrator's password: after <c>Admin:MaxFailures</c> (10) refused credentials from one
/// connection address within <c>Admin:FailureWindowSeconds</c> (300), that address gets HTTP 429 with Retry-After for
/// the rest of the window, before its credentials are even looked at. The address is the connection's (as
/// <c>X-Forwarded-For</c> from a configured proxy sets it), never <c>X-Origin-IP</c>, which a caller can choose.
/// Per gateway process; bounded, so a flood of addresses cannot grow it without limit.
/// </summary>
public sealed class AdminGuard(IConfiguration configuration, TimeProvider time)
{
    private const int MaxTracked = 10_000;
    private readonly ConcurrentDictionary<string, Window> _failures = new();

    private sealed class Window(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;
        public int Count;
    }

    private int MaxFailures => Math.Max(1, configuration.GetValue("Admin:MaxFailures", 10));

    private TimeSpan Period => TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Admin:FailureWindowSeconds", 300.0)));

    /// <summary>How long <paramref name="context"/>'s address must wait, or null when it may try.</summary>
    public TimeSpan? Blocked(HttpContext context)
    {
        var now = time.GetUtcNow();
        if (!_failures.TryGetValue(Key(context), out var window) || now - window.Start >= Period || window.Count < MaxFailures)
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
                // Full of live windows: a new address is not tracked (the ones already tracked stay cut off).
                return;
            }
        }

        var window = _failures.AddOrUpdate(key, _ => new Window(now), (_, current) => now - current.Start >= period ? new Window(now) : current);
        Interlocked.Increment(ref window.Count);
    }

    /// <summary>Whom a failure is counted against: the connection's address.</summary>
    public static string Key(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "-";
}
