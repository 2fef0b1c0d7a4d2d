using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Cubicle.Server;

/// <summary>Relays bytes between the browser's WebSocket and the desktop's VNC socket, both ways, until either side
/// ends or <c>sessionEnded</c> fires: then the browser gets a close frame saying so.</summary>
public static class DesktopBridge
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    public static async Task PumpAsync(WebSocket browser, Socket vnc, CancellationToken sessionEnded)
    {
        using var done = new CancellationTokenSource();
        // The session ended: the desktop side closes first, and the relay to the browser tells it why.
        using var ended = sessionEnded.Register(() => vnc.Shutdown(SocketShutdown.Both));
        var toBrowser = Task.Run(() => ToBrowserAsync(browser, vnc, sessionEnded, done.Token));
        try
        {
            await ToDesktopAsync(browser, vnc, done.Token);
        }
        catch (Exception ex) when (Ends(ex)) { }
        finally
        {
            await done.CancelAsync();
            vnc.Close();
            await toBrowser;
        }
    }

    /// <summary>What a relay stops on: either side gone, or the other direction ended.</summary>
    private static bool Ends(Exception ex) =>
        ex is OperationCanceledException or SocketException or WebSocketException or ObjectDisposedException;

    private static async Task ToBrowserAsync(
        WebSocket browser,
        Socket vnc,
        CancellationToken sessionEnded,
        CancellationToken done
    )
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (true)
            {
                var n = await vnc.ReceiveAsync(buffer, SocketFlags.None, done);
                if (n == 0)
                    break;
                await browser.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Binary, true, done);
            }
            if (browser.State == WebSocketState.Open)
                await browser.CloseOutputAsync(
                    sessionEnded.IsCancellationRequested
                        ? WebSocketCloseStatus.PolicyViolation
                        : WebSocketCloseStatus.NormalClosure,
                    sessionEnded.IsCancellationRequested ? "session ended" : "desktop closed",
                    CancellationToken.None
                );
        }
        catch (Exception ex) when (Ends(ex)) { }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task ToDesktopAsync(WebSocket browser, Socket vnc, CancellationToken done)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (browser.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(done);
                if (browser.State == WebSocketState.CloseSent)
                    wait.CancelAfter(CloseTimeout);
                var r = await browser.ReceiveAsync(buffer, wait.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    // Answer the browser's close with ours, or clients see 1006.
                    if (browser.State == WebSocketState.CloseReceived)
                        await browser.CloseOutputAsync(
                            WebSocketCloseStatus.NormalClosure,
                            "bye",
                            CancellationToken.None
                        );
                    return;
                }
                if (browser.State == WebSocketState.Open)
                    await vnc.SendAsync(buffer.AsMemory(0, r.Count), SocketFlags.None, done);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
