using PinOrleans.Bench;

namespace PinOrleans.Tests.Unit;

/// <summary>The benchmark's command line: a name without its value is refused instead of shifting every pair after it.</summary>
public sealed class BenchOptionsTests
{
    [Fact]
    public void Pairs_are_read_by_name_in_any_order_and_casing()
    {
        var options = BenchOptions.Parse(["--warmup", "2", "--SECONDS", "3", "--only", "pin,cold"]);

        Assert.Equal(TimeSpan.FromSeconds(3), options.Duration);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Warmup);
        Assert.Equal("pin,cold", options.Find("only"));
        Assert.Equal(15, BenchOptions.Parse([]).Duration.TotalSeconds);
    }

    [Theory]
    [InlineData("--seconds needs a value.", "--seconds")]
    [InlineData("--seconds needs a value.", "--seconds", "--warmup", "2")]
    [InlineData("--warmup needs a value.", "--seconds", "3", "--warmup")]
    [InlineData("expected an option --name, got 'seconds'.", "seconds", "3")]
    [InlineData("expected an option --name, got '3'.", "--seconds", "3", "3")]
    public void A_name_without_its_value_or_a_stray_value_is_refused(string message, params string[] args)
    {
        var refused = Assert.Throws<BenchUsageException>(() => BenchOptions.Parse(args));

        Assert.Equal(message, refused.Message);
    }

    [Fact]
    public void A_value_that_is_not_a_number_and_a_missing_required_option_are_refused_by_name()
    {
        var options = BenchOptions.Parse(["--seconds", "ten"]);

        Assert.Equal("--seconds takes a whole number, not 'ten'.", Assert.Throws<BenchUsageException>(() => options.Duration).Message);
        Assert.Equal("--work is required.", Assert.Throws<BenchUsageException>(() => options.Get("work")).Message);
    }

    [Theory]
    [InlineData("run", "--api", "http://127.0.0.1:5190", "--seconds")]
    [InlineData("report", "--work", "--out", "results")]
    [InlineData("drill", "--seconds", "--workers", "6")]
    public async Task The_program_prints_what_is_wrong_and_the_usage_and_exits_2(params string[] args)
    {
        using var error = new StringWriter();

        var exit = await BenchProgram.RunAsync(args, error);

        Assert.Equal(2, exit);
        var lines = error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("^PinOrleans.Bench: --[a-z]+ needs a value\\.$", lines[0]);
        Assert.StartsWith("usage: PinOrleans.Bench ", lines[1]);
    }
}
