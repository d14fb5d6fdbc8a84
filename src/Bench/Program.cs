using PinOrleans.Bench;

// ./bench.sh drives this program: "run" measures the ceilings and the scenarios against a running gateway,
// "memory" measures silo memory per active account, "http-ceiling" is the bare endpoint the HTTP ceiling is
// measured against, "report" renders results already measured, "drill" is the load and verdict of ./drill.sh.
return args.FirstOrDefault() switch
{
    "run" => await BenchRun.RunAsync(BenchOptions.Parse(args[1..])),
    "memory" => await MemoryRun.RunAsync(BenchOptions.Parse(args[1..])),
    "http-ceiling" => await HttpCeiling.RunAsync(args[1..]),
    "report" => Report.Render(BenchOptions.Parse(args[1..])),
    "drill" => await Drill.RunAsync(BenchOptions.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: PinOrleans.Bench run|memory|report|drill --option value ... | http-ceiling --urls URL");
    return 2;
}
