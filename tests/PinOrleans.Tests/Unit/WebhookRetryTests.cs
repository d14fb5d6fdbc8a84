using PinOrleans.Webhooks;

namespace PinOrleans.Tests.Unit;

/// <summary>Webhook retries back off exponentially, spread by jitter, and never wait longer than the cap.</summary>
public sealed class WebhookRetryTests
{
    private static readonly WebhookPolicy Policy = new() { RetryBaseSeconds = 2, MaxRetryDelaySeconds = 60 };

    [Theory]
    [InlineData(1, 0.0, 1)]
    [InlineData(1, 1.0, 2)]
    [InlineData(2, 1.0, 4)]
    [InlineData(3, 0.5, 6)]
    [InlineData(5, 1.0, 32)]
    [InlineData(6, 1.0, 60)]
    [InlineData(6, 0.0, 30)]
    [InlineData(40, 1.0, 60)]
    public void The_delay_doubles_per_attempt_within_half_to_all_of_its_capped_value(int attempt, double jitter, double seconds) =>
        Assert.Equal(seconds, Policy.RetryDelay(attempt, jitter).TotalSeconds, precision: 9);

    [Fact]
    public void No_attempt_and_no_jitter_waits_longer_than_the_cap_or_less_than_half_the_base()
    {
        var random = new Random(7);
        for (var attempt = 1; attempt <= 50; attempt++)
        {
            var delay = Policy.RetryDelay(attempt, random.NextDouble()).TotalSeconds;
            Assert.InRange(delay, Policy.RetryBaseSeconds / 2, Policy.MaxRetryDelaySeconds);
        }
    }
}
