namespace PinOrleans.Accounts;

/// <summary>What an operator does to an account outside the LoginRadius API.</summary>
public sealed partial class UserGrain
{
    /// <summary>
    /// Every token and PIN session carries the generation it was issued under; a new generation refuses them all
    /// (1245 for a PIN session, 905 for an access token) without touching the account's credentials or lock.
    /// </summary>
    public async Task<Problem?> RevokeSessionsAsync()
    {
        if (!Exists)
        {
            return new Problem(ErrorCode.UserDoesNotExist);
        }

        state.State.TokenGeneration++;
        await WriteOrDeactivateAsync();
        return null;
    }
}
