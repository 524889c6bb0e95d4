package io.fulcrum.controlplane.lab;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fulcrum.dataplane.decap.XdpDecapProgram;
import io.fulcrum.dataplane.forward.EncapsulationSettings;
import io.fulcrum.dataplane.port.afxdp.XdpProgram;
import picocli.CommandLine;

/**
 * The lab's backend: an HTTP server that answers every request with its own name ({@code be1\n}), so a client
 * can count which backend served it. It listens on the wildcard address (dual-stack), so it also answers on the
 * VIPs that sit on the backend's loopback, and on its own address, where the lab's proxy service reaches it. Each
 * answer can be held back by a delay ({@code --delay MS}, changed while it runs by {@code GET /delay?ms=N}) to make
 * a slow backend: the lab's kernel has no netem to delay its packets. Run inside a namespace by the lab as
 * {@code java -cp CLASSPATH io.fulcrum.controlplane.lab.LabBackendServer --lab PREFIX --name be1 --port 80}
 * ({@link LabBackendCommand}); {@code --lab} only marks the process as the lab's, so {@code lab down} can tell it
 * from a reused pid.
 */
public final class LabBackendServer implements AutoCloseable
{
    /** Printed once the socket is bound: the lab waits for this line in the server's log. */
    public static final String READY_LINE = "listening";

    /** The UDP port on which the backend echoes each datagram's first 8 bytes followed by its name (the probe). */
    public static final int ECHO_PORT = 7;

    /** The path that sets the delay: {@code GET /delay?ms=N}. */
    public static final String DELAY_PATH = "/delay";
    /** More than any demonstration needs, less than the lab's health-check and curl limits would make sense of. */
    public static final int MAX_DELAY_MILLIS = 10_000;

    private final String name;
    private final AtomicInteger delayMillis;
    private final HttpServer server;
    private final java.net.DatagramSocket echo;
    private final Thread echoThread;

    public LabBackendServer(final String name, final int port) throws IOException
    {
        this(name, port, -1);
    }

    /** With {@code echoPort} >= 0 it also answers UDP there (0: any free port), for the lab's failover probe. */
    public LabBackendServer(final String name, final int port, final int echoPort) throws IOException
    {
        this(name, port, echoPort, 0);
    }

    /** With {@code delayMillis} > 0 every answer but the delay's own waits that long first. */
    public LabBackendServer(final String name, final int port, final int echoPort, final int delayMillis)
        throws IOException
    {
        this.name = name;
        this.delayMillis = new AtomicInteger(checkedDelay(delayMillis));
        this.server = HttpServer.create(new InetSocketAddress(port), 128);
        // A thread per request: a delayed answer must not hold back the requests that arrive meanwhile.
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        final byte[] body = (name + "\n").getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange ->
        {
            pause(this.delayMillis.get());
            answer(exchange, 200, body);
        });
        server.createContext(DELAY_PATH, this::setDelay);
        this.echo = echoPort < 0 ? null : new java.net.DatagramSocket(echoPort);
        this.echoThread = echo == null ? null
            : Thread.ofPlatform().daemon(true).name("echo").unstarted(() -> echo(echo, name));
    }

    /** Answers each datagram from where it came: its 8-byte sequence number, then the backend's name. */
    private static void echo(final java.net.DatagramSocket socket, final String name)
    {
        final byte[] in = new byte[64];
        final byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        final byte[] out = new byte[8 + nameBytes.length];
        System.arraycopy(nameBytes, 0, out, 8, nameBytes.length);
        final java.net.DatagramPacket request = new java.net.DatagramPacket(in, in.length);
        while (!socket.isClosed())
        {
            try
            {
                request.setLength(in.length);
                socket.receive(request);
                if (request.getLength() >= 8)
                {
                    System.arraycopy(in, 0, out, 0, 8);
                    socket.send(new java.net.DatagramPacket(out, out.length, request.getSocketAddress()));
                }
            }
            catch (final IOException e)
            {
                // closed, or a send that failed: the prober counts what it does not get back
            }
        }
    }

    public void start()
    {
        server.start();
        if (echoThread != null)
        {
            echoThread.start();
        }
    }

    /** The port actually bound (useful with port 0). */
    public int port()
    {
        return server.getAddress().getPort();
    }

    public String name()
    {
        return name;
    }

    /** The delay every answer waits now, in milliseconds. */
    public int delayMillis()
    {
        return delayMillis.get();
    }

    /** {@code GET /delay?ms=N}: answers {@code be1 delay N ms}, or 400 with the reason. */
    private void setDelay(final HttpExchange exchange) throws IOException
    {
        final String query = exchange.getRequestURI().getRawQuery();
        final String value = query != null && query.startsWith("ms=") ? query.substring(3) : "";
        try
        {
            delayMillis.set(checkedDelay(Integer.parseInt(value)));
        }
        catch (final IllegalArgumentException e)
        {
            answer(exchange, 400, ("expected " + DELAY_PATH + "?ms=N with N from 0 to " + MAX_DELAY_MILLIS + ", found "
                + exchange.getRequestURI() + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        answer(exchange, 200, (name + " delay " + delayMillis.get() + " ms\n").getBytes(StandardCharsets.UTF_8));
    }

    private static int checkedDelay(final int millis)
    {
        if (millis < 0 || millis > MAX_DELAY_MILLIS)
        {
            throw new IllegalArgumentException("delay must be 0 to " + MAX_DELAY_MILLIS + " ms: " + millis);
        }
        return millis;
    }

    private static void pause(final int millis)
    {
        if (millis <= 0)
        {
            return;
        }
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt(); // the server stops: answer at once
        }
    }

    private static void answer(final HttpExchange exchange, final int status, final byte[] body) throws IOException
    {
        try (exchange)
        {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.write(body);
            }
        }
    }

    @Override
    public void close()
    {
        if (echo != null)
        {
            echo.close();
        }
        server.stop(0);
    }

    /**
     * Serves until the process is told to stop (SIGTERM runs the shutdown hook). With {@code decapInterface}, the
     * process also holds an XDP decapsulation program on that interface for {@code localAddresses} (the backend's own
     * addresses, the outer destinations the balancer sends to): a BPF link lives as long as its process.
     */
    public static void serve(final String name, final int port, final int delayMillis, final String decapInterface,
        final List<InetAddress> localAddresses) throws IOException, InterruptedException
    {
        final XdpDecapProgram decap = decapInterface == null ? null
            : XdpDecapProgram.attach(decapInterface, XdpProgram.MODE_AUTO, EncapsulationSettings.DEFAULT_GUE_PORT);
        if (decap != null)
        {
            for (final InetAddress local : localAddresses)
            {
                decap.addLocalAddress(local);
            }
            System.out.println("decapsulating IPIP, IPv6-in-IPv6 and GUE to " + localAddresses + " with XDP on "
                + decapInterface);
        }
        final LabBackendServer backend = new LabBackendServer(name, port, ECHO_PORT, delayMillis);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            backend.close();
            if (decap != null)
            {
                decap.close();
            }
            stopped.countDown();
        }));
        backend.start();
        System.out.println(READY_LINE + " on port " + backend.port() + " as " + name
            + (delayMillis > 0 ? ", answering after " + delayMillis + " ms" : ""));
        System.out.flush();
        stopped.await();
    }

    /** Runs the server on the options of {@link LabBackendCommand}; exit code 2 on a wrong command line. */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new LabBackendCommand()).execute(args));
    }
}
