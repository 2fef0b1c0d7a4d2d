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
        // The session ended: the desktop side closes first, and the relay below tells the browser why.
        using var ended = sessionEnded.Register(() => vnc.Shutdown(SocketShutdown.Both));
        var toBrowser = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                while (true)
                {
                    var n = await vnc.ReceiveAsync(buffer, SocketFlags.None, done.Token);
                    if (n == 0)
                        break;
                    await browser.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Binary, true, done.Token);
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
            catch (Exception ex)
                when (ex
                        is OperationCanceledException
                            or SocketException
                            or WebSocketException
                            or ObjectDisposedException
                ) { }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (browser.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(done.Token);
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
                    break;
                }
                if (browser.State == WebSocketState.Open)
                    await vnc.SendAsync(buffer.AsMemory(0, r.Count), SocketFlags.None, done.Token);
            }
        }
        catch (Exception ex)
            when (ex is OperationCanceledException or SocketException or WebSocketException or ObjectDisposedException)
        { }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await done.CancelAsync();
            vnc.Close();
            await toBrowser;
        }
    }
}
