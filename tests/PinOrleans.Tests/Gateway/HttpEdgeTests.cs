using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PinOrleans.Gateway.Wire;
using PinOrleans.Tests.Infrastructure;

namespace PinOrleans.Tests.Gateway;

/// <summary>
/// The HTTP edge over real Kestrel sockets on loopback (not the in-memory test server): bodies too large, URLs too
/// long and headers too large are LoginRadius errors, the connection is closed properly after them, and a client
/// still sending megabytes reads the answer instead of a reset.
/// </summary>
[Collection(EdgeCollection.Name)]
public sealed class HttpEdgeTests(ClusterFixture fixture) : IAsyncLifetime
{
    private GatewayFactory _gateway = null!;
    private Uri _base = null!;

    private string Login => $"/identity/v2/auth/login?apikey={Guid.NewGuid()}";

    public Task InitializeAsync()
    {
        _gateway = new GatewayFactory(fixture, web => web.UseSetting("urls", "http://127.0.0.1:0"));
        _gateway.UseKestrel(0);
        _gateway.StartServer();
        var address = _gateway.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _base = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private HttpClient Client() => new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { BaseAddress = _base };

    [Fact]
    public async Task A_too_large_body_is_413_json_with_connection_close_and_a_keep_alive_clients_next_request_succeeds()
    {
        using var http = Client();
        // A keep-alive connection in use before.
        await Api.ExpectErrorAsync(await http.PostAsync(Login, Json("{}")), 403, 901);

        var refused = await http.PostAsync(Login, Json("{\"email\":\"" + new string('a', ApiRequest.MaxBodyBytes + 10) + "\"}"));
        await Api.ExpectErrorAsync(refused, 413, 413);
        Assert.True(refused.Headers.ConnectionClose, "413 must say Connection: close");

        // The client opens a new connection for its next requests: each one is answered.
        for (var i = 0; i < 3; i++)
        {
            await Api.ExpectErrorAsync(await http.PostAsync(Login, Json("{}")), 403, 901);
        }
    }

    [Fact]
    public async Task A_multi_megabyte_body_is_answered_before_the_connection_closes()
    {
        // Raw socket: the whole 8 MB is written while the answer is read; the answer is the 413 JSON, then a clean close.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _base.Port);
        var stream = tcp.GetStream();
        const int size = 8 * 1024 * 1024;
        var head = Encoding.ASCII.GetBytes($"POST {Login} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: keep-alive\r\n\r\n");
        var sending = Task.Run(async () =>
        {
            await stream.WriteAsync(head);
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)' ');
            for (var sent = 0; sent < size; sent += chunk.Length)
            {
                await stream.WriteAsync(chunk);
            }
        });
        var (status, headers, body) = await ReadResponseAsync(stream);
        await sending; // the server took every byte: no reset while sending
        Assert.Equal(413, status);
        Assert.Equal("close", headers["connection"], ignoreCase: true);
        Assert.Equal(413, JsonDocument.Parse(body).RootElement.GetProperty("ErrorCode").GetInt32());
        Assert.Equal(0, await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(10))); // closed by the server, cleanly

        // The same through HttpClient (it sends while it reads): the 413 JSON, not a reset.
        using var http = Client();
        await Api.ExpectErrorAsync(await http.PostAsync(Login, new ByteArrayContent(new byte[5 * 1024 * 1024]) { Headers = { ContentType = new("application/json") } }), 413, 413);
        await Api.ExpectErrorAsync(await http.PostAsync(Login, Json("{}")), 403, 901);

        // Chunked (no Content-Length): refused while the gateway reads it, answered the same way.
        var chunked = new StreamContent(new MemoryStream(new byte[3 * 1024 * 1024])) { Headers = { ContentType = new("application/json") } };
        var refused = await http.PostAsync(Login, chunked);
        await Api.ExpectErrorAsync(refused, 413, 413);
        Assert.True(refused.Headers.ConnectionClose);
        await Api.ExpectErrorAsync(await http.PostAsync(Login, Json("{}")), 403, 901);
    }

    [Fact]
    public async Task A_too_long_url_is_414_json_and_too_large_headers_are_431_json()
    {
        using var http = Client();
        var longUrl = Login + "&pad=" + new string('x', RequestLimits.MaxUrlLength);
        var uri = await http.GetAsync(longUrl);
        await Api.ExpectErrorAsync(uri, 414, 414);
        Assert.True(uri.Headers.ConnectionClose);

        var big = new HttpRequestMessage(HttpMethod.Get, Login);
        big.Headers.TryAddWithoutValidation("X-Padding", new string('h', RequestLimits.MaxHeaderBytes));
        await Api.ExpectErrorAsync(await http.SendAsync(big), 431, 431);

        var many = new HttpRequestMessage(HttpMethod.Get, Login);
        for (var i = 0; i <= RequestLimits.MaxHeaderCount; i++)
        {
            many.Headers.TryAddWithoutValidation($"X-H{i}", "v");
        }

        await Api.ExpectErrorAsync(await http.SendAsync(many), 431, 431);

        // Just under the limits is served as usual.
        await Api.ExpectErrorAsync(await http.GetAsync(Login + "&pad=" + new string('x', RequestLimits.MaxUrlLength - 200)), 405, 405);
        await Api.ExpectErrorAsync(await http.PostAsync(Login, Json("{}")), 403, 901);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>Reads one HTTP/1.1 response (Content-Length or chunked) off a raw stream.</summary>
    private static async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadResponseAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 4 || !(buffer[^4] == '\r' && buffer[^3] == '\n' && buffer[^2] == '\r' && buffer[^1] == '\n'))
        {
            if (await stream.ReadAsync(one).AsTask().WaitAsync(TimeSpan.FromSeconds(30)) == 0)
            {
                throw new IOException("closed before the response head");
            }

            buffer.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString(buffer.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        var body = new MemoryStream();
        if (headers.TryGetValue("content-length", out var length))
        {
            var rest = new byte[int.Parse(length, System.Globalization.CultureInfo.InvariantCulture)];
            await stream.ReadExactlyAsync(rest);
            body.Write(rest);
        }
        else
        {
            while (true)
            {
                var sizeLine = new List<byte>();
                while (sizeLine.Count < 2 || sizeLine[^2] != '\r' || sizeLine[^1] != '\n')
                {
                    await stream.ReadExactlyAsync(one);
                    sizeLine.Add(one[0]);
                }

                var size = Convert.ToInt32(Encoding.ASCII.GetString(sizeLine.ToArray()).Trim(), 16);
                var chunk = new byte[size + 2];
                await stream.ReadExactlyAsync(chunk);
                if (size == 0)
                {
                    break;
                }

                body.Write(chunk, 0, size);
            }
        }

        return (status, headers, Encoding.UTF8.GetString(body.ToArray()));
    }
}
