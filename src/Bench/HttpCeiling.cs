using System.Globalization;

namespace PinOrleans.Bench;

/// <summary>
/// The HTTP ceiling: a bare ASP.NET Core endpoint on the same route, answering the same JSON shape as access-token
/// validation (<c>{access_token, expires_in}</c>) without any cluster behind it. Run as its own process.
/// </summary>
public static class HttpCeiling
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/identity/v2/auth/access_token/validate", (HttpRequest request) =>
        {
            var token = request.Query["access_token"].ToString();
            var expires = DateTimeOffset.UtcNow.AddMinutes(15).ToString("o", CultureInfo.InvariantCulture);
            return Results.Json(new Dictionary<string, string> { ["access_token"] = token, ["expires_in"] = expires });
        });
        await app.RunAsync();
        return 0;
    }
}
