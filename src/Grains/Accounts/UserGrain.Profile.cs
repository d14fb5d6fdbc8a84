namespace PinOrleans.Accounts;

/// <summary>What the security questions route reads (identifier changes are in <c>UserGrain.Identifiers.cs</c>).</summary>
public sealed partial class UserGrain
{
    public Task<IReadOnlyList<string>?> SecurityQuestionIdsAsync() =>
        Task.FromResult<IReadOnlyList<string>?>(Exists ? state.State.SecurityAnswers.Keys.Order(StringComparer.Ordinal).ToList() : null);
}
