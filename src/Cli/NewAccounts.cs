using System.Text.Json.Nodes;

namespace PinOrleans.Cli;

/// <summary>
/// What <c>accounts create</c> sends. With <c>--count N</c> it creates N accounts, four at a time, with numbered
/// e-mail addresses (<c>user+1@example.com</c>...), showing progress on stderr: one updating line on a terminal,
/// a line per tenth otherwise.
/// </summary>
internal sealed record NewAccounts(string Email, string Password, string? Pin)
{
    public const int MaxCount = 100_000;
    private const int Parallelism = 4;

    public JsonObject Body(string email)
    {
        var body = new JsonObject
        {
            ["Email"] = new JsonArray(new JsonObject { ["Type"] = "Primary", ["Value"] = email }),
            ["Password"] = Password,
        };
        if (Pin is not null)
        {
            body["PINInfo"] = new JsonObject { ["PIN"] = Pin };
        }

        return body;
    }

    /// <summary>The address of account <paramref name="number"/>: <c>user+number@domain</c>.</summary>
    public string Numbered(int number)
    {
        var at = Email.LastIndexOf('@');
        return at < 0 ? $"{Email}+{number}" : $"{Email[..at]}+{number}{Email[at..]}";
    }

    public async Task CreateManyAsync(GatewayClient gateway, Output output, int count)
    {
        if (count is < 1 or > MaxCount)
        {
            throw new UsageException($"--count takes 1 to {MaxCount}.");
        }

        var answers = new Answer?[count];
        var progress = new Progress(output, count);
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, _) =>
            {
                answers[i] = await gateway.ManageAsync(HttpMethod.Post, "identity/v2/manage/account", Body(Numbered(i + 1)));
                progress.Done();
            });
        }
        catch
        {
            // A refusal stops the run; what was created so far stays, and is listed (on stderr, before the error).
            progress.Finish();
            var made = answers.Select((answer, i) => (Answer: answer, Email: Numbered(i + 1))).Where(a => a.Answer is not null).ToList();
            if (made.Count > 0)
            {
                output.Error.WriteLine($"Created {made.Count} of {count} accounts before the refusal:");
                foreach (var (answer, email) in made)
                {
                    output.Error.WriteLine($"{Output.Text(answer!.Json, "Uid")}  {email}");
                }
            }

            throw;
        }

        progress.Finish();
        Print(output, answers.Select(a => a!).ToArray());
    }

    private void Print(Output output, Answer[] answers)
    {
        if (output.IsJson)
        {
            output.Line(new JsonArray(answers.Select(a => a.Json.DeepClone()).ToArray()).ToJsonString());
            return;
        }

        output.Line($"Created {answers.Length} accounts:");
        output.Table(["UID", "EMAIL"], answers.Select((a, i) => new[] { Output.Text(a.Json, "Uid"), Numbered(i + 1) }).ToList());
    }

    /// <summary>"created 37/100": rewritten in place on a terminal, printed at each tenth otherwise.</summary>
    private sealed class Progress(Output output, int total)
    {
        private readonly Lock _gate = new();
        private int _done;

        public void Done()
        {
            lock (_gate)
            {
                _done++;
                if (output.ErrorIsTerminal)
                {
                    output.Error.Write($"\rcreated {_done}/{total}");
                }
                else if (_done * 10 / total > (_done - 1) * 10 / total)
                {
                    output.Error.WriteLine($"created {_done}/{total}");
                }
            }
        }

        public void Finish()
        {
            if (output.ErrorIsTerminal)
            {
                output.Error.WriteLine();
            }
        }
    }
}
