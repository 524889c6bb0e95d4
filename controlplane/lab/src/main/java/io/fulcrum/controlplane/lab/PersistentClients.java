package io.fulcrum.controlplane.lab;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.fulcrum.dataplane.sys.Namespaces;

/**
 * Long-lived HTTP/1.1 connections from the client to a VIP, each asking "who are you?" again and again over the same
 * TCP connection: the way to see that an established flow keeps its backend while the pool changes around it.
 * The sockets are created inside the client's namespace (a socket belongs to the namespace it was made in) and
 * used from the caller's thread.
 */
public final class PersistentClients implements AutoCloseable
{
    private static final int TIMEOUT_MS = 3000;

    private final List<Socket> sockets;
    private final String host;

    private PersistentClients(final List<Socket> sockets, final String host)
    {
        this.sockets = sockets;
        this.host = host;
    }

    /** Opens {@code count} connections to {@code vip:port} from the namespace {@code clientNamespace}. */
    public static PersistentClients open(final String clientNamespace, final InetAddress vip, final int port,
        final int count) throws Exception
    {
        final List<Socket> sockets = Namespaces.runIn(clientNamespace, () ->
        {
            final List<Socket> opened = new ArrayList<>();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    final Socket socket = new Socket();
                    opened.add(socket);
                    socket.setSoTimeout(TIMEOUT_MS);
                    socket.connect(new InetSocketAddress(vip, port), TIMEOUT_MS);
                }
                return opened;
            }
            catch (final IOException e)
            {
                for (final Socket socket : opened)
                {
                    socket.close();
                }
                throw new LabException("could not open " + count + " connections to " + vip.getHostAddress()
                    + ":" + port + " from the client: " + e.getMessage(), e);
            }
        });
        final String host = vip.getHostAddress().contains(":") ? "[" + vip.getHostAddress() + "]" : vip.getHostAddress();
        return new PersistentClients(sockets, host);
    }

    public int size()
    {
        return sockets.size();
    }

    /**
     * One request on every connection; returns, per connection, the backend that answered, or
     * {@code "FAILED: reason"} (a connection that failed stays failed).
     */
    public List<String> ask()
    {
        final List<String> answers = new ArrayList<>(sockets.size());
        for (final Socket socket : sockets)
        {
            answers.add(ask(socket));
        }
        return answers;
    }

    private String ask(final Socket socket)
    {
        if (socket.isClosed())
        {
            return "FAILED: closed";
        }
        try
        {
            final OutputStream out = socket.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readBody(new BufferedInputStream(socket.getInputStream())).strip();
        }
        catch (final IOException e)
        {
            closeQuietly(socket);
            return "FAILED: " + e.getMessage();
        }
    }

    /** Reads one HTTP/1.1 response with a Content-Length body (what the lab's backend servers send). */
    private static String readBody(final InputStream in) throws IOException
    {
        int contentLength = -1;
        String line;
        final String status = readLine(in);
        if (!status.startsWith("HTTP/1.1 200"))
        {
            throw new IOException("unexpected status: " + status);
        }
        while (!(line = readLine(in)).isEmpty())
        {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15))
            {
                contentLength = Integer.parseInt(line.substring(15).strip());
            }
        }
        if (contentLength < 0)
        {
            throw new IOException("response without Content-Length");
        }
        return new String(in.readNBytes(contentLength), StandardCharsets.UTF_8);
    }

    private static String readLine(final InputStream in) throws IOException
    {
        final StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n')
        {
            if (c < 0)
            {
                throw new IOException("connection closed by the peer");
            }
            if (c != '\r')
            {
                line.append((char)c);
            }
        }
        return line.toString();
    }

    private static void closeQuietly(final Socket socket)
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignored)
        {
            // closing a broken connection: nothing to report beyond the failure already recorded
        }
    }

    @Override
    public void close()
    {
        sockets.forEach(PersistentClients::closeQuietly);
    }
}
