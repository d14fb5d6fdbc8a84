using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PinOrleans.Gateway.Wire;
using PinOrleans.Security;
using PinOrleans.Tenants;

namespace PinOrleans.Gateway.Endpoints;

/// <summary>
/// The SOTT a registration carries, made by the server (<c>GET /identity/v2/manage/account/sott</c>, Node SDK
/// <c>sottApi.generateSott</c>), and the server's time the SDKs make their own SOTTs by
/// (<c>GET /identity/v2/serverinfo</c>, <c>configurationApi.getServerInfo</c>).
/// </summary>
public static class SottApi
{
    /// <summary>The longest window asked for (ten years, as a mobile app's long-lived SOTT may have); LoginRadius documents none.</summary>
    public const int MaxMinutes = 10 * 365 * 24 * 60;

    public static IEndpointRouteBuilder MapSottApi(this IEndpointRouteBuilder app)
    {
        // A literal segment: routing prefers it to /identity/v2/manage/account/{uid}, whatever the order of mapping.
        app.MapApiGroup("/identity/v2/manage/account", "Account management").MapGet("/sott", GenerateSottAsync)
            .WithName("GenerateSott")
            .WithSummary("A SOTT for registration, valid from now for timedifference minutes (default 10; API key + secret).")
            .WithDescription("Makes a SOTT (Secure One-Time Token) with the tenant's API secret, valid from now for `timedifference` minutes (default 10), as `{Sott, ExpiryTime}`. It is reusable until it expires. A secret set before SOTT support cannot make one: 1049 until the secret is rotated.")
            .Refuses(ErrorCode.SottInvalid)
            .RefusesMalformed("timedifference");
        app.MapApiGroup("/identity/v2", "Configuration").MapGet("/serverinfo", GetServerInfo)
            .WithName("GetServerInfo")
            .WithSummary("The server's current time (UTC) and a SOTT window from now for timedifference minutes (default 10).")
            .WithDescription("The server's time, which the SDKs make their SOTT windows by: `CurrentTime` and `Sott.StartTime`/`Sott.EndTime` (UTC, `yyyy-MM-dd HH:mm:ss`), `Sott.TimeDifference` as `\"10 Minutes\"`.")
            .RefusesMalformed("timedifference");
        return app;
    }

    /// <summary>The answer of <c>GET /identity/v2/manage/account/sott</c>.</summary>
    public sealed record SottAnswer(
        [property: Description("The SOTT, for the `X-LoginRadius-Sott` header of a registration.")] string Sott,
        [property: Description("When it stops being valid (UTC).")] DateTimeOffset ExpiryTime);

    /// <summary>The answer of <c>GET /identity/v2/serverinfo</c>.</summary>
    public sealed record ServerInfo(
        [property: Description("Where the server is (always `PinOrleans`).")] string ServerLocation,
        [property: Description("Which server answered (always `PinOrleans`: the gateway does not name its machines).")] string ServerName,
        [property: Description("The server's time, UTC, `yyyy-MM-dd HH:mm:ss`.")] string CurrentTime,
        [property: Description("A SOTT window from now.")] SottWindow Sott);

    /// <summary>The SOTT window of <see cref="ServerInfo"/>.</summary>
    public sealed record SottWindow(
        [property: Description("Now, UTC, `yyyy-MM-dd HH:mm:ss`.")] string StartTime,
        [property: Description("Now plus the time difference, UTC, `yyyy-MM-dd HH:mm:ss`.")] string EndTime,
        [property: Description("The time difference, as `\"10 Minutes\"`.")] string TimeDifference);

    private static async Task<Results<Ok<SottAnswer>, Refusal>> GenerateSottAsync(
        TrustedTenant tenant,
        [FromQuery(Name = "timedifference"), Description("Minutes the SOTT is valid for, from now (default 10; a whole number from 1 to ten years, else 908).")] string? timeDifference,
        IGrainFactory grains)
    {
        var minutes = Minutes(timeDifference);
        var issued = await grains.Reference<ITenantGrain>(tenant.ApiKey).IssueSottAsync(minutes)
            ?? throw new LoginRadiusException(LoginRadiusError.Sott(SottRefusal.SecretNotHeld));
        return TypedResults.Ok(new SottAnswer(issued.Sott.Value, issued.ExpiryTime));
    }

    private static Ok<ServerInfo> GetServerInfo(
        Tenant tenant,
        [FromQuery(Name = "timedifference"), Description("Minutes of the SOTT window (default 10; a whole number from 1 to ten years, else 908).")] string? timeDifference,
        [FromKeyedServices(ServiceClock.Key)] TimeProvider time)
    {
        var minutes = Minutes(timeDifference);
        var now = time.GetUtcNow();
        return TypedResults.Ok(new ServerInfo("PinOrleans", "PinOrleans", Format(now),
            new SottWindow(Format(now), Format(now.AddMinutes(minutes)), $"{minutes.ToString(CultureInfo.InvariantCulture)} Minutes")));
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static int Minutes(string? timeDifference) => timeDifference is null ? SecureOneTimeToken.DefaultMinutes
        : int.TryParse(timeDifference, NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) && minutes is >= 1 and <= MaxMinutes ? minutes
        : throw new LoginRadiusException(LoginRadiusError.MalformedParameter("timedifference"));
}
