package io.fulcrum.controlplane.lab.chaos;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.fulcrum.controlplane.lab.LabException;
import io.fulcrum.dataplane.sys.Namespaces;

/**
 * The fault suite's clients: {@code connections} long-lived HTTP/1.1 connections from the client's namespace to a VIP,
 * each asking "who are you?" every {@link #REQUEST_INTERVAL} and checking each answer (a 200 with the name of the
 * backend the connection started on: another name means the flow moved), plus a stream of new connections (connect,
 * one request, close). One thread, non-blocking sockets, one selector; the thread enters the client's namespace for
 * its whole life (setns moves only the calling thread), so every socket it makes is the client's. Everything it
 * opens is closed by {@link #stop()}; it runs at most {@link #MAX_RUN}.
 *
 * <p>Every failure is counted: a long-lived connection is lost when it is reset, closed by the peer, gets a bad
 * answer or another backend's, or waits longer than {@link #ANSWER_TIMEOUT} for an answer (TCP retransmits a request
 * lost in a failover after 200 ms, 400 ms, 800 ms...: a few seconds without an answer is a dead flow). The outage is
 * measured on the client: the longest stretch in which no request at all (long-lived or new) was answered.
 */
public final class Workload
{
    public static final Duration REQUEST_INTERVAL = Duration.ofMillis(100);
    public static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(4);
    /** A new connection must connect and be answered within this (a SYN lost in a failover is retried after 1 s). */
    public static final Duration NEW_CONNECTION_TIMEOUT = Duration.ofSeconds(4);
    /** Past this the engine stops by itself, whatever the caller does. */
    public static final Duration MAX_RUN = Duration.ofMinutes(2);
    private static final Duration OPEN_LIMIT = Duration.ofSeconds(20);
    private static final int OPEN_BATCH = 50;
    private static final int MAX_RESPONSE = 1024;

    private final String clientNamespace;
    private final InetSocketAddress target;
    private final int connectionCount;
    private final int newPerSecond;
    private final byte[] request;

    private final List<Connection> connections = new ArrayList<>();
    private final List<Connection> fresh = new ArrayList<>();
    private final CompletableFuture<Void> opened = new CompletableFuture<>();
    private final CompletableFuture<WorkloadResult> finished = new CompletableFuture<>();
    private volatile boolean stopping;
    private volatile long faultNanos;
    private Thread engine;

    // Written by the engine thread only.
    private Selector selector;
    private long lastAnswerNanos;
    private long longestGapNanos;
    private long gapStartNanos;
    private long gapEndNanos;
    private long requestsSent;
    private long requestsAnswered;
    private long requestsFailed;
    private int newAttempted;
    private int newAnswered;
    private final List<Long> newFailureStarts = new ArrayList<>();
    private final Map<String, Integer> newFailureReasons = new TreeMap<>();

    public Workload(final String clientNamespace, final InetSocketAddress target, final int connections,
        final int newPerSecond)
    {
        if (connections < 1 || connections > 10_000 || newPerSecond < 0 || newPerSecond > 1000)
        {
            throw new IllegalArgumentException("connections must be 1..10000 and new connections 0..1000 a second");
        }
        this.clientNamespace = clientNamespace;
        this.target = target;
        this.connectionCount = connections;
        this.newPerSecond = newPerSecond;
        final String host = target.getAddress().getHostAddress();
        this.request = ("GET / HTTP/1.1\r\nHost: " + (host.contains(":") ? "[" + host + "]" : host) + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Starts the engine: opens every long-lived connection and waits until each has been answered once (its
     * backend is then known). Throws when they cannot all be opened; the engine is stopped then.
     */
    public void start()
    {
        engine = Thread.ofPlatform().name("chaos-workload").daemon(true).start(this::run);
        try
        {
            opened.get(OPEN_LIMIT.toMillis() + 5000, TimeUnit.MILLISECONDS);
        }
        catch (final Exception e)
        {
            stop();
            final Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new LabException("the workload could not open " + connectionCount + " connections to "
                + target + ": " + cause.getMessage(), cause);
        }
    }

    /** Marks the moment the fault is injected: new-connection failures and the outage are reported relative to it. */
    public void markFault()
    {
        faultNanos = System.nanoTime();
    }

    /** Stops the engine, closes every socket and returns what it counted. */
    public WorkloadResult stop()
    {
        stopping = true;
        if (engine == null)
        {
            throw new IllegalStateException("not started");
        }
        try
        {
            engine.join(Duration.ofSeconds(10));
            return finished.getNow(null);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while stopping the workload");
        }
    }

    private void run()
    {
        try
        {
            Namespaces.enter(Namespaces.NETNS_RUN_DIR + clientNamespace);
            selector = Selector.open();
            try
            {
                openAll();
                opened.complete(null);
                loop();
                finished.complete(result());
            }
            finally
            {
                closeAll();
            }
        }
        catch (final Throwable e)
        {
            opened.completeExceptionally(e);
            finished.complete(null);
        }
    }

    private void openAll() throws IOException
    {
        final long deadline = System.nanoTime() + OPEN_LIMIT.toNanos();
        for (int i = 0; i < connectionCount; i++)
        {
            final Connection connection = new Connection(false, System.nanoTime());
            connections.add(connection);
            connection.connect();
            if ((i + 1) % OPEN_BATCH == 0 || i == connectionCount - 1)
            {
                // In batches: a burst of SYNs past the backends' accept backlog would be retried only after 1 s.
                while (!allAnsweredOnce())
                {
                    if (System.nanoTime() > deadline || stopping)
                    {
                        throw new IOException(describeOpenFailure());
                    }
                    step(System.nanoTime(), true);
                }
            }
        }
    }

    private boolean allAnsweredOnce() throws IOException
    {
        boolean all = true;
        for (final Connection connection : connections)
        {
            if (connection.lostReason != null)
            {
                throw new IOException("connection " + connections.indexOf(connection) + " failed while opening: "
                    + connection.lostReason);
            }
            all &= connection.backend != null;
        }
        return all;
    }

    private String describeOpenFailure()
    {
        final Map<String, Integer> reasons = new TreeMap<>();
        for (final Connection connection : connections)
        {
            if (connection.backend == null)
            {
                reasons.merge(connection.lostReason == null ? "no answer yet" : connection.lostReason, 1, Integer::sum);
            }
        }
        return "not every connection was answered within " + OPEN_LIMIT.toSeconds() + " s: " + reasons;
    }

    private void loop() throws IOException
    {
        final long started = System.nanoTime();
        final long newInterval = newPerSecond == 0 ? Long.MAX_VALUE : 1_000_000_000L / newPerSecond;
        long nextNew = started;
        lastAnswerNanos = started;
        gapStartNanos = started;
        gapEndNanos = started;
        for (int i = 0; i < connections.size(); i++)
        {
            // Spread over the interval: 200 requests every 100 ms in one burst would be a load test, not a workload.
            connections.get(i).nextSendNanos = started + REQUEST_INTERVAL.toNanos() * i / connections.size();
        }
        while (!stopping && System.nanoTime() - started < MAX_RUN.toNanos())
        {
            final long now = System.nanoTime();
            if (now >= nextNew)
            {
                nextNew += newInterval;
                final Connection connection = new Connection(true, now);
                fresh.add(connection);
                newAttempted++;
                try
                {
                    connection.connect();
                }
                catch (final IOException e)
                {
                    connection.fail("connect: " + e.getMessage(), now);
                }
            }
            step(now, false);
        }
    }

    /** One pass: sends due requests, times out silent ones, then handles what the selector has (at most 5 ms). */
    private void step(final long now, final boolean opening) throws IOException
    {
        for (final Connection connection : connections)
        {
            connection.tick(now, opening);
        }
        for (final Iterator<Connection> i = fresh.iterator(); i.hasNext(); )
        {
            final Connection connection = i.next();
            connection.tick(now, opening);
            if (connection.done)
            {
                i.remove();
            }
        }
        selector.select(5);
        final long at = System.nanoTime();
        for (final Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); )
        {
            final SelectionKey key = keys.next();
            keys.remove();
            ((Connection)key.attachment()).ready(key, at);
        }
    }

    private void answered(final long at)
    {
        if (lastAnswerNanos == 0)
        {
            return; // still opening: the outage is measured from the first request of the run
        }
        final long gap = at - lastAnswerNanos;
        if (gap > longestGapNanos)
        {
            longestGapNanos = gap;
            gapStartNanos = lastAnswerNanos;
            gapEndNanos = at;
        }
        lastAnswerNanos = at;
    }

    private WorkloadResult result()
    {
        final long now = System.nanoTime();
        // No answer since some moment until the end: that stretch counts too (it never recovered).
        answered(now);
        final long fault = faultNanos;
        int lost = 0;
        final Map<String, Integer> lostByReason = new TreeMap<>();
        final Map<String, Integer> lostByBackend = new TreeMap<>();
        final Map<String, Integer> backends = new TreeMap<>();
        for (final Connection connection : connections)
        {
            backends.merge(connection.backend, 1, Integer::sum);
            if (connection.lostReason != null)
            {
                lost++;
                lostByReason.merge(connection.lostReason, 1, Integer::sum);
                lostByBackend.merge(connection.backend, 1, Integer::sum);
            }
        }
        final long recovery = fault == 0 ? now : Math.max(fault, gapEndNanos > fault ? gapEndNanos : fault);
        int newFailedAfterOutage = 0;
        final List<Long> failuresAfterFault = new ArrayList<>();
        for (final long start : newFailureStarts)
        {
            if (start > recovery)
            {
                newFailedAfterOutage++;
            }
            failuresAfterFault.add(fault == 0 ? -1 : (start - fault) / 1_000_000);
        }
        return new WorkloadResult(connections.size(), lost, lostByReason, lostByBackend, backends, requestsSent,
            requestsAnswered, requestsFailed, newAttempted, newAnswered, newFailureStarts.size(), newFailedAfterOutage,
            Map.copyOf(newFailureReasons), List.copyOf(failuresAfterFault), longestGapNanos / 1_000_000,
            fault == 0 ? 0 : (gapStartNanos - fault) / 1_000_000);
    }

    private void closeAll()
    {
        for (final Connection connection : connections)
        {
            connection.close();
        }
        for (final Connection connection : fresh)
        {
            connection.close();
        }
        try
        {
            if (selector != null)
            {
                selector.close();
            }
        }
        catch (final IOException ignored)
        {
            // closing: nothing left to report
        }
    }

    /** One TCP connection: long-lived (asks every 100 ms) or new (one request, then closed). */
    private final class Connection
    {
        private final boolean oneShot;
        private final long createdNanos;
        private final ByteBuffer in = ByteBuffer.allocate(MAX_RESPONSE);
        private SocketChannel channel;
        private SelectionKey key;
        private String backend;
        private String lostReason;
        private boolean connected;
        private boolean awaiting;
        private boolean done;
        private long sentNanos;
        private long nextSendNanos;

        Connection(final boolean oneShot, final long createdNanos)
        {
            this.oneShot = oneShot;
            this.createdNanos = createdNanos;
        }

        void connect() throws IOException
        {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            key = channel.register(selector, SelectionKey.OP_CONNECT, this);
            if (channel.connect(target))
            {
                connected(System.nanoTime());
            }
        }

        private void connected(final long now)
        {
            connected = true;
            key.interestOps(SelectionKey.OP_READ);
            nextSendNanos = now;
            send(now);
        }

        void tick(final long now, final boolean opening)
        {
            if (done)
            {
                return;
            }
            if (oneShot || !connected)
            {
                if (now - createdNanos > NEW_CONNECTION_TIMEOUT.toNanos() && (oneShot || !opening))
                {
                    fail(connected ? "no answer" : "connect timed out", now);
                }
                return;
            }
            if (awaiting)
            {
                if (now - sentNanos > ANSWER_TIMEOUT.toNanos())
                {
                    fail("no answer within " + ANSWER_TIMEOUT.toSeconds() + " s", now);
                }
            }
            else if (now >= nextSendNanos && !opening)
            {
                send(now);
            }
        }

        private void send(final long now)
        {
            try
            {
                final ByteBuffer out = ByteBuffer.wrap(request);
                channel.write(out);
                if (out.hasRemaining())
                {
                    fail("send buffer full", now); // one small request at a time: never happens on a live flow
                    return;
                }
                awaiting = true;
                sentNanos = now;
                if (!oneShot)
                {
                    requestsSent++;
                }
            }
            catch (final IOException e)
            {
                fail(reason(e), now);
            }
        }

        void ready(final SelectionKey ready, final long now)
        {
            if (done || !ready.isValid())
            {
                return;
            }
            try
            {
                if (ready.isConnectable())
                {
                    channel.finishConnect();
                    connected(now);
                    return;
                }
                if (ready.isReadable())
                {
                    final int read = channel.read(in);
                    if (read < 0)
                    {
                        fail("closed by the peer", now);
                        return;
                    }
                    parse(now);
                }
            }
            catch (final IOException e)
            {
                fail(reason(e), now);
            }
        }

        /** Takes one complete response out of the buffer, if there is one, and checks it. */
        private void parse(final long now)
        {
            final String text = new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1);
            final int headerEnd = text.indexOf("\r\n\r\n");
            if (headerEnd < 0)
            {
                if (!in.hasRemaining())
                {
                    fail("response header too long", now);
                }
                return;
            }
            int length = -1;
            for (final String line : text.substring(0, headerEnd).split("\r\n"))
            {
                if (line.regionMatches(true, 0, "Content-Length:", 0, 15))
                {
                    length = Integer.parseInt(line.substring(15).strip());
                }
            }
            if (length < 0 || headerEnd + 4 + length > MAX_RESPONSE)
            {
                fail("response without a usable Content-Length", now);
                return;
            }
            if (text.length() < headerEnd + 4 + length)
            {
                return; // the body is still on its way
            }
            if (!awaiting || !text.startsWith("HTTP/1.1 200"))
            {
                fail("unexpected response: " + text.lines().findFirst().orElse(""), now);
                return;
            }
            final String name = text.substring(headerEnd + 4, headerEnd + 4 + length).strip();
            in.clear();
            awaiting = false;
            if (backend != null && !backend.equals(name))
            {
                fail("moved from " + backend + " to " + name, now);
                return;
            }
            backend = name;
            answered(now);
            if (oneShot)
            {
                newAnswered++;
                done = true;
                close();
                return;
            }
            requestsAnswered++;
            // Every 100 ms from the last send; a late answer sends the next request at once.
            nextSendNanos = sentNanos + REQUEST_INTERVAL.toNanos();
        }

        void fail(final String reason, final long now)
        {
            if (done)
            {
                return;
            }
            done = true;
            if (oneShot)
            {
                newFailureStarts.add(createdNanos);
                newFailureReasons.merge(reason.replaceAll("[0-9]+", "#"), 1, Integer::sum);
            }
            else
            {
                lostReason = reason.startsWith("moved from") ? "moved to another backend" : reason;
                // The request in flight, or the next one it can no longer send: requests go one at a time, so a
                // connection that lives has every request answered and one that dies fails exactly one.
                requestsFailed++;
            }
            close();
        }

        private String reason(final IOException e)
        {
            final String message = String.valueOf(e.getMessage());
            return message.contains("reset") ? "reset" : message.contains("refused") ? "refused"
                : message.contains("Broken pipe") ? "reset" : message;
        }

        void close()
        {
            try
            {
                if (channel != null)
                {
                    channel.close();
                }
            }
            catch (final IOException ignored)
            {
                // a broken connection: the failure is already counted
            }
        }
    }
}
