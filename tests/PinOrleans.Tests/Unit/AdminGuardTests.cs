using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using PinOrleans.Gateway.Endpoints;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Unit;

/// <summary>The administrator guard counts refused credentials per address and cannot be outgrown by many addresses.</summary>
public sealed class AdminGuardTests
{
    private static (AdminGuard Guard, TestClock Clock) Guard(int maxTracked)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Admin:MaxFailures"] = "3",
            ["Admin:FailureWindowSeconds"] = "60",
            ["Admin:MaxTrackedAddresses"] = maxTracked.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var clock = new TestClock();
        return (new AdminGuard(configuration, clock), clock);
    }

    private static HttpContext From(int address) =>
        new DefaultHttpContext { Connection = { RemoteIpAddress = new IPAddress(BitConverter.GetBytes(0x0A000000 + address)) } };

    /// <summary>Guesses as an attacker makes them: one address after another, each trying until it is cut off; how many got through.</summary>
    private static int Guesses(AdminGuard guard, int addresses, int triesEach)
    {
        var guessed = 0;
        for (var a = 0; a < addresses; a++)
        {
            for (var t = 0; t < triesEach && guard.Blocked(From(a)) is null; t++)
            {
                guard.Failed(From(a));
                guessed++;
            }
        }

        return guessed;
    }

    [Fact]
    public void An_address_is_cut_off_after_its_failures_for_the_rest_of_the_window()
    {
        var (guard, clock) = Guard(maxTracked: 100);
        Assert.Equal(3, Guesses(guard, addresses: 1, triesEach: 10));
        Assert.Equal(TimeSpan.FromSeconds(60), guard.Blocked(From(0)));
        Assert.Null(guard.Blocked(From(1)));

        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Null(guard.Blocked(From(0)));
    }

    [Fact]
    public void Guesses_from_more_addresses_than_the_guard_holds_share_one_budget()
    {
        var (guard, clock) = Guard(maxTracked: 5);

        // Five tracked addresses get three guesses each; the 995 it cannot hold get three between them, not 2985.
        Assert.Equal(5 * 3 + 3, Guesses(guard, addresses: 1000, triesEach: 10));
        Assert.NotNull(guard.Blocked(From(999)));
        Assert.NotNull(guard.Blocked(From(4)));

        // The window ends for everyone alike.
        clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(guard.Blocked(From(999)));
        Assert.Equal(3, Guesses(guard, addresses: 1, triesEach: 10));
    }
}
