using System.Text.Json.Nodes;

namespace PinOrleans.Bench;

/// <summary>
/// A service the scenarios drive through the same LoginRadius calls, PinOrleans or the stock peer, and what the run
/// seeded in it. Its result rows go to <see cref="Rows"/>.
/// </summary>
/// <param name="Name">As the report names it.</param>
/// <param name="Gateway">Its LoginRadius API, with its own API key and secret.</param>
/// <param name="Processes">Its processes, to report CPU for (the load generator is added to them).</param>
/// <param name="Hashing">The one of <paramref name="Processes"/> that runs its Argon2id hashes.</param>
/// <param name="Rows">Where its scenario rows go.</param>
public sealed record Service(string Name, Gateway Gateway, IReadOnlyDictionary<string, int> Processes, string Hashing, JsonArray Rows)
{
    /// <summary>Accounts with a PIN session for PIN logins and validations.</summary>
    public List<Account> Pool { get; set; } = [];

    /// <summary>Accounts locked by 5 wrong PINs, for the flood of wrong PINs.</summary>
    public List<Account> Locked { get; set; } = [];

    /// <summary>Accounts the mix sends its wrong PINs to.</summary>
    public List<Account> Wrong { get; set; } = [];

    /// <summary>One fresh account per round of the lockout race, and one more it locks to measure refusals on.</summary>
    public List<Account> Race { get; set; } = [];

    /// <summary>What the legitimate PIN logins beside a flood offer: half of what its PIN login sustained.</summary>
    public double LegitRate { get; set; }

    /// <summary>Its legitimate PIN logins alone, at <see cref="LegitRate"/>: what the floods are compared with.</summary>
    public Measured? Alone { get; set; }
}
