package io.fulcrum.proxy.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A plain socket, for what curl will not send: malformed and hostile requests, pipelining, slow headers. */
final class RawClient implements AutoCloseable
{
    private final Socket socket;

    RawClient(final InetSocketAddress address) throws IOException
    {
        socket = new Socket();
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
    }

    void send(final String text) throws IOException
    {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Everything until the proxy closes the connection (or 10 s pass). */
    String readToClose() throws IOException
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final InputStream in = socket.getInputStream();
        final byte[] buffer = new byte[8192];
        try
        {
            int read;
            while ((read = in.read(buffer)) >= 0)
            {
                bytes.write(buffer, 0, read);
            }
        }
        catch (final SocketTimeoutException e)
        {
            bytes.write("<timed out>".getBytes(StandardCharsets.ISO_8859_1));
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads until {@code text} has arrived; returns all read. */
    String readUntil(final String text) throws IOException
    {
        final StringBuilder read = new StringBuilder();
        final InputStream in = socket.getInputStream();
        while (read.indexOf(text) < 0)
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new IOException("closed before \"" + text + "\"; read: " + read);
            }
            read.append((char)b);
        }
        return read.toString();
    }

    /** One response with a Content-Length body, read exactly. */
    String readResponse() throws IOException
    {
        final String head = readUntil("\r\n\r\n");
        final int length = contentLength(head);
        final byte[] body = socket.getInputStream().readNBytes(length);
        return head + new String(body, StandardCharsets.ISO_8859_1);
    }

    /** Closes with a reset (SO_LINGER 0), as a client that gives up does. */
    void abort() throws IOException
    {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    static int status(final String response)
    {
        if (!response.startsWith("HTTP/1.1 "))
        {
            throw new AssertionError("not a response: " + response);
        }
        return Integer.parseInt(response.substring(9, 12));
    }

    private static int contentLength(final String head)
    {
        for (final String line : head.split("\r\n"))
        {
            if (line.toLowerCase().startsWith("content-length:"))
            {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() throws IOException
    {
        socket.close();
    }
}
