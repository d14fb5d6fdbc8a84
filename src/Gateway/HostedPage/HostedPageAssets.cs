using System.Security.Cryptography;
using System.Text;

namespace PinOrleans.Gateway.HostedPage;

/// <summary>
/// The hosted page's files (HTML template, stylesheet, script), embedded in the gateway's assembly so that they are
/// served the same whatever the content root; each with a strong ETag, and one version that the page's links carry
/// so that a new release is fetched at once although the files are cached.
/// </summary>
public sealed class HostedPageAssets
{
    /// <summary>A file as served: its bytes, media type and ETag.</summary>
    public sealed record Asset(byte[] Bytes, string ContentType, string ETag);

    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    public HostedPageAssets()
    {
        var assembly = typeof(HostedPageAssets).Assembly;
        foreach (var name in new[] { "auth.html", "hosted.css", "hosted.js" })
        {
            using var stream = assembly.GetManifestResourceStream("HostedPage." + name)
                ?? throw new InvalidOperationException($"The hosted page's {name} is not embedded in {assembly.GetName().Name}.");
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                _ => "text/html; charset=utf-8",
            };
            _assets[name] = new Asset(bytes, type, "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }

        Template = Encoding.UTF8.GetString(_assets["auth.html"].Bytes);
        Version = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(_assets["hosted.css"].ETag + _assets["hosted.js"].ETag)))[..12];
    }

    /// <summary>The page's HTML with its <c>{{Placeholders}}</c>.</summary>
    public string Template { get; }

    /// <summary>The version of the stylesheet and script (<c>?v=</c> on their links).</summary>
    public string Version { get; }

    /// <summary>A file the page links to (the stylesheet or the script); null for anything else.</summary>
    public Asset? Public(string name) => name is "hosted.css" or "hosted.js" ? _assets[name] : null;
}
