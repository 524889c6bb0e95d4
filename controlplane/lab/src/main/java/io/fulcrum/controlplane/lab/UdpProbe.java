package io.fulcrum.controlplane.lab;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import io.fulcrum.dataplane.sys.Namespaces;

/**
 * The client-visible outage of a failover: one UDP datagram a millisecond from the client to the VIP's echo service,
 * each carrying its sequence number, which the backend sends back. The outage is the longest stretch between two
 * answered datagrams, measured on the send times, so it is what a client would have seen.
 */
public final class UdpProbe
{
    /**
     * What a probe run saw; {@code outageEndNanos} is when (System.nanoTime) the first probe answered after the
     * longest outage was sent, 0 when the outage ran to the end or there was none.
     */
    public record Result(int sent, int answered, long outageMillis, long outageEndNanos)
    {
        public String describe()
        {
            return sent + " probes, " + answered + " answered, longest outage " + outageMillis + " ms";
        }
    }

    private static final long INTERVAL_NANOS = 1_000_000;

    private UdpProbe()
    {
    }

    /** Probes {@code vip:port} from {@code clientNamespace} for {@code duration}, then waits briefly for stragglers. */
    public static Result run(final String clientNamespace, final InetAddress vip, final int port,
        final Duration duration) throws Exception
    {
        final DatagramSocket socket = Namespaces.runIn(clientNamespace, () -> new DatagramSocket(0));
        try (socket)
        {
            final int count = (int)(duration.toNanos() / INTERVAL_NANOS);
            final long[] sentAt = new long[count];
            final boolean[] answered = new boolean[count];
            socket.setSoTimeout(50);
            final Thread receiver = Thread.ofPlatform().daemon(true).name("probe-receiver").start(() ->
            {
                final byte[] buffer = new byte[64];
                final DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                final long deadline = System.nanoTime() + duration.toNanos() + 500_000_000L;
                while (System.nanoTime() < deadline)
                {
                    try
                    {
                        socket.receive(reply);
                        if (reply.getLength() >= 8)
                        {
                            final long sequence = ByteBuffer.wrap(buffer, 0, 8).getLong();
                            if (sequence >= 0 && sequence < count)
                            {
                                answered[(int)sequence] = true;
                            }
                        }
                    }
                    catch (final SocketTimeoutException e)
                    {
                        // nothing this moment: keep listening until the deadline
                    }
                    catch (final IOException e)
                    {
                        return;
                    }
                }
            });
            final InetSocketAddress target = new InetSocketAddress(vip, port);
            final byte[] payload = new byte[8];
            final long start = System.nanoTime();
            for (int i = 0; i < count; i++)
            {
                final long due = start + i * INTERVAL_NANOS;
                long now;
                while ((now = System.nanoTime()) < due)
                {
                    LockSupport.parkNanos(due - now);
                }
                ByteBuffer.wrap(payload).putLong(i);
                sentAt[i] = System.nanoTime();
                try
                {
                    socket.send(new DatagramPacket(payload, payload.length, target));
                }
                catch (final IOException e)
                {
                    // no route for a moment (the VIP's neighbour entry changing): counted as unanswered
                }
            }
            receiver.join(duration.toMillis() + 2000);
            return summarize(sentAt, answered);
        }
    }

    static Result summarize(final long[] sentAt, final boolean[] answered)
    {
        int received = 0;
        long outage = 0;
        int lastAnswered = -1;
        long outageEnd = 0;
        for (int i = 0; i < answered.length; i++)
        {
            if (!answered[i])
            {
                continue;
            }
            received++;
            if (lastAnswered >= 0 && i - lastAnswered > 1 && (sentAt[i] - sentAt[lastAnswered]) / 1_000_000 > outage)
            {
                outage = (sentAt[i] - sentAt[lastAnswered]) / 1_000_000;
                outageEnd = sentAt[i];
            }
            lastAnswered = i;
        }
        if (lastAnswered >= 0 && lastAnswered < answered.length - 1)
        {
            outage = Math.max(outage, (sentAt[answered.length - 1] - sentAt[lastAnswered]) / 1_000_000);
        }
        return new Result(answered.length, received, received == 0 ? -1 : outage, outageEnd);
    }
}
