namespace PinOrleans.Bench;

/// <summary>
/// ./bench.sh drives this program: "run" measures the ceilings and the scenarios against a running gateway,
/// "memory" measures silo memory per active account, "http-ceiling" is the bare endpoint the HTTP ceiling is
/// measured against, "report" renders results already measured, "profile-report" sorts a perf profile of PIN logins by component, "drill" is the load and verdict of ./drill.sh.
/// </summary>
public static class BenchProgram
{
    /// <summary>Runs one command; a command line it cannot use is printed to <paramref name="error"/> with the usage, exit code 2.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        try
        {
            return args.FirstOrDefault() switch
            {
                "run" => await BenchRun.RunAsync(BenchOptions.Parse(args[1..])),
                "memory" => await MemoryRun.RunAsync(BenchOptions.Parse(args[1..])),
                "scale" => await ScaleRun.RunAsync(BenchOptions.Parse(args[1..])),
                "http-ceiling" => await HttpCeiling.RunAsync(args[1..]),
                "report" => Report.Render(BenchOptions.Parse(args[1..])),
                "drill" => await Drill.RunAsync(BenchOptions.Parse(args[1..])),
                "profile-report" => ProfileReport.Run(BenchOptions.Parse(args[1..])),
                _ => Usage(error),
            };
        }
        catch (BenchUsageException e)
        {
            await error.WriteLineAsync($"PinOrleans.Bench: {e.Message}");
            return Usage(error);
        }
    }

    private static int Usage(TextWriter error)
    {
        error.WriteLine("usage: PinOrleans.Bench run|memory|scale|report|profile-report|drill --option value ... | http-ceiling --urls URL");
        return 2;
    }
}
