package io.fulcrum.proxy.tcp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A JDK backend on 127.0.0.1 and a port of the kernel's choosing: one thread per connection runs {@code session}. */
final class BlockingServer implements AutoCloseable
{
    interface Session
    {
        void run(Socket socket) throws Exception;
    }

    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    BlockingServer(final Session session)
    {
        this(0, session);
    }

    /** @param receiveBuffer SO_RCVBUF for accepted connections (fixed, so the kernel does not grow it); 0 leaves it */
    BlockingServer(final int receiveBuffer, final Session session)
    {
        try
        {
            server = new ServerSocket();
            if (receiveBuffer > 0)
            {
                server.setReceiveBufferSize(receiveBuffer);
            }
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        Thread.ofPlatform().daemon().name("backend-" + server.getLocalPort()).start(() ->
        {
            while (!server.isClosed())
            {
                try
                {
                    final Socket socket = server.accept();
                    sockets.add(socket);
                    Thread.ofPlatform().daemon().start(() ->
                    {
                        try (socket)
                        {
                            socket.setSoTimeout(20_000);
                            session.run(socket);
                        }
                        catch (final Exception e)
                        {
                            failures.add(e);
                        }
                    });
                }
                catch (final IOException e)
                {
                    return;
                }
            }
        });
    }

    static BlockingServer echo()
    {
        return new BlockingServer(socket -> socket.getInputStream().transferTo(socket.getOutputStream()));
    }

    InetSocketAddress address()
    {
        return (InetSocketAddress)server.getLocalSocketAddress();
    }

    int accepted()
    {
        return sockets.size();
    }

    List<Throwable> failures()
    {
        return failures;
    }

    @Override
    public void close() throws IOException
    {
        server.close();
        for (final Socket socket : sockets)
        {
            socket.close();
        }
    }
}
