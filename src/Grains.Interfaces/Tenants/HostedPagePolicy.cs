using System.Text.RegularExpressions;

namespace PinOrleans.Tenants;

/// <summary>
/// The tenant's hosted login page (<c>/auth.aspx</c>, LoginRadius' Auth Page): on or off, whether it offers
/// registration, and its branding: a title, a logo, three colours and the texts it shows. Nothing here may make the
/// page request another origin: the logo is a same-origin path or an image <c>data:</c> URI (served by the gateway
/// from its own origin), colours are CSS hex, texts are plain text (HTML-encoded when shown).
/// </summary>
[GenerateSerializer, Immutable, Alias("PinOrleans.HostedPagePolicy")]
public sealed partial record HostedPagePolicy
{
    /// <summary>False: <c>/auth.aspx</c> answers 404 for this tenant.</summary>
    [Id(0)] public bool Enabled { get; init; } = true;
    /// <summary>Whether the page offers registration (as long as <c>Registration:Enabled</c>).</summary>
    [Id(1)] public bool OfferRegistration { get; init; } = true;
    /// <summary>The name the page shows (default: the tenant's name).</summary>
    [Id(2)] public string? Title { get; init; }
    /// <summary>A same-origin path (<c>/brand/logo.svg</c>) or a <c>data:image/png|jpeg|gif|webp|svg+xml;base64,…</c> URI of at most <see cref="MaxLogoChars"/> characters.</summary>
    [Id(3)] public string? LogoUrl { get; init; }
    /// <summary>Buttons, links and focus rings (CSS hex, <c>#rgb</c> or <c>#rrggbb</c>).</summary>
    [Id(4)] public string PrimaryColor { get; init; } = "#2f4fb5";
    /// <summary>The page behind the card.</summary>
    [Id(5)] public string BackgroundColor { get; init; } = "#eef1f8";
    /// <summary>Body text.</summary>
    [Id(6)] public string TextColor { get; init; } = "#1b2233";
    /// <summary>Texts that replace the page's own, by name (<see cref="TextNames"/>).</summary>
    [Id(7)] public Dictionary<string, string> Texts { get; init; } = [];

    public const int MaxLogoChars = 64 * 1024;
    public const int MaxTextLength = 300;

    /// <summary>The texts a tenant may replace, and what the page says when it does not.</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultTexts = new Dictionary<string, string>
    {
        ["LoginHeading"] = "Log in",
        ["LoginIntro"] = "Use your e-mail address and password.",
        ["PinHeading"] = "Enter your PIN",
        ["RegisterHeading"] = "Create your account",
        ["RegisterIntro"] = "It takes a minute.",
        ["SetPinHeading"] = "Choose a PIN",
        ["SetPinIntro"] = "Next time you only need your PIN on this device.",
        ["ForgotPinHeading"] = "Forgot your PIN?",
        ["ForgotPasswordHeading"] = "Forgot your password?",
        ["Footer"] = "",
        ["SupportText"] = "If you are stuck, contact the support of the service you are signing in to.",
    };

    public static IEnumerable<string> TextNames => DefaultTexts.Keys;

    /// <summary>The text the page shows under <paramref name="name"/>.</summary>
    public string Text(string name) => Texts.TryGetValue(name, out var given) ? given : DefaultTexts[name];

    /// <summary>Why these settings cannot be shown without a request to another origin or broken markup, naming the setting; or null.</summary>
    public string? Problem()
    {
        foreach (var (setting, colour) in new[] { ("PrimaryColor", PrimaryColor), ("BackgroundColor", BackgroundColor), ("TextColor", TextColor) })
        {
            if (colour is null || !HexColour().IsMatch(colour))
            {
                return $"HostedPage:{setting} must be a CSS hex colour (#rgb or #rrggbb).";
            }
        }

        if (LogoUrl is not null && LogoProblem(LogoUrl) is { } logo)
        {
            return $"HostedPage:LogoUrl {logo}.";
        }

        if (Title is not null && TextProblem(Title) is { } title)
        {
            return $"HostedPage:Title {title}.";
        }

        foreach (var (name, text) in Texts)
        {
            if (!DefaultTexts.ContainsKey(name))
            {
                return $"HostedPage:Texts: '{name}' is not a text of the page (one of {string.Join(", ", TextNames)}).";
            }

            if (TextProblem(text) is { } problem)
            {
                return $"HostedPage:Texts:{name} {problem}.";
            }
        }

        return null;
    }

    /// <summary>The logo as an image when it is a data URI (media type and bytes), else null.</summary>
    public (string MediaType, byte[] Bytes)? LogoImage()
    {
        if (LogoUrl is null || LogoProblem(LogoUrl) is not null || DataUri().Match(LogoUrl) is not { Success: true } data)
        {
            return null;
        }

        return ("image/" + data.Groups[1].Value, Convert.FromBase64String(data.Groups[2].Value));
    }

    /// <summary>Why <paramref name="logo"/> cannot be the page's logo, or null.</summary>
    private static string? LogoProblem(string logo)
    {
        if (logo.Length > MaxLogoChars)
        {
            return $"is longer than {MaxLogoChars} characters";
        }

        if (DataUri().Match(logo) is { Success: true } data)
        {
            Span<byte> bytes = new byte[data.Groups[2].Length];
            return Convert.TryFromBase64String(data.Groups[2].Value, bytes, out _) ? null : "is a data URI whose base64 does not decode";
        }

        // A path on the page's own origin: "/x", never "//host" (another origin) or a scheme.
        return logo.StartsWith('/') && !logo.StartsWith("//", StringComparison.Ordinal) && !logo.Contains('\\') && logo.All(c => c > ' ' && c < 127 && c is not ('"' or '\'' or '<' or '>' or '(' or ')'))
            ? null
            : "must be a same-origin path (/brand/logo.svg) or a data:image/(png|jpeg|gif|webp|svg+xml);base64 URI: the page requests no other origin";
    }

    private static string? TextProblem(string text) =>
        text.Length > MaxTextLength ? $"is longer than {MaxTextLength} characters"
        : text.Any(c => char.IsControl(c) && c != '\n') ? "may not contain control characters"
        : null;

    [GeneratedRegex("^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    private static partial Regex HexColour();

    [GeneratedRegex("^data:image/(png|jpeg|gif|webp|svg\\+xml);base64,([A-Za-z0-9+/]+={0,2})$")]
    private static partial Regex DataUri();
}
