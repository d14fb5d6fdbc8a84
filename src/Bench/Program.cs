using PinOrleans.Bench;

return await BenchProgram.RunAsync(args, Console.Error);
