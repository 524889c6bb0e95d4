package io.fulcrum.dataplane.port.afxdp;

/**
 * How to open an {@link AfXdpPort}. {@code headroom} is the space in front of every received frame, as the
 * forwarding core sees it: at least XDP_PACKET_HEADROOM (256), which the kernel always reserves; anything above
 * that is registered as the UMEM's own headroom.
 *
 * @param interfaceName the interface, in the calling thread's network namespace
 * @param queueId the NIC queue the socket binds to (one socket per queue, one worker per socket)
 * @param frameCount UMEM frames: enough for the fill ring, the RX ring, a batch in flight and the TX ring
 * @param frameSize UMEM chunk size, a power of two (2048 or 4096)
 * @param headroom bytes before each received frame (256 = the kernel's XDP headroom alone)
 * @param ringSize entries of each of the four rings, a power of two
 * @param zeroCopy let the kernel choose zero copy where the driver has it (bind without flags); false forces
 *     XDP_COPY
 * @param needWakeup bind with XDP_USE_NEED_WAKEUP so that sendto/recvfrom are called only when the kernel asks
 * @param busyPoll set SO_PREFER_BUSY_POLL, SO_BUSY_POLL and SO_BUSY_POLL_BUDGET, and drive RX with recvfrom
 * @param program the steering program whose XSKMAP the socket joins at {@code queueId}; null to register it
 *     elsewhere (see {@link AfXdpPort#socketFd()})
 */
public record AfXdpSettings(String interfaceName, int queueId, int frameCount, int frameSize, int headroom,
    int ringSize, boolean zeroCopy, boolean needWakeup, boolean busyPoll, XdpProgram program)
{
    public static final int DEFAULT_FRAME_COUNT = 4096;
    public static final int DEFAULT_FRAME_SIZE = 2048;
    public static final int DEFAULT_HEADROOM = 256;
    public static final int DEFAULT_RING_SIZE = 2048;

    public AfXdpSettings
    {
        if (Integer.bitCount(frameSize) != 1 || frameSize < 2048 || frameSize > 4096)
        {
            throw new IllegalArgumentException("frame size must be 2048 or 4096: " + frameSize);
        }
        if (headroom < 256 || headroom > frameSize - 1600)
        {
            throw new IllegalArgumentException("headroom must be at least 256 and leave room for a 1514-byte frame: "
                + headroom);
        }
        if (Integer.bitCount(ringSize) != 1)
        {
            throw new IllegalArgumentException("ring size must be a power of two: " + ringSize);
        }
        if (frameCount < ringSize)
        {
            throw new IllegalArgumentException("need at least as many frames as ring entries: " + frameCount);
        }
        if (queueId < 0)
        {
            throw new IllegalArgumentException("queue id must not be negative: " + queueId);
        }
    }

    /** Queue 0, 4096 frames of 2048 bytes, 256 bytes headroom, 2048-entry rings, zero copy where possible,
     *  need-wakeup on, busy polling off, no program. */
    public static AfXdpSettings defaults(final String interfaceName)
    {
        return new AfXdpSettings(interfaceName, 0, DEFAULT_FRAME_COUNT, DEFAULT_FRAME_SIZE, DEFAULT_HEADROOM,
            DEFAULT_RING_SIZE, true, true, false, null);
    }

    public AfXdpSettings withQueueId(final int id)
    {
        return new AfXdpSettings(interfaceName, id, frameCount, frameSize, headroom, ringSize, zeroCopy, needWakeup,
            busyPoll, program);
    }

    public AfXdpSettings withProgram(final XdpProgram steering)
    {
        return new AfXdpSettings(interfaceName, queueId, frameCount, frameSize, headroom, ringSize, zeroCopy,
            needWakeup, busyPoll, steering);
    }

    public AfXdpSettings withFrames(final int count, final int rings)
    {
        return new AfXdpSettings(interfaceName, queueId, count, frameSize, headroom, rings, zeroCopy, needWakeup,
            busyPoll, program);
    }

    public AfXdpSettings withZeroCopy(final boolean allowed)
    {
        return new AfXdpSettings(interfaceName, queueId, frameCount, frameSize, headroom, ringSize, allowed,
            needWakeup, busyPoll, program);
    }

    public AfXdpSettings withNeedWakeup(final boolean enabled)
    {
        return new AfXdpSettings(interfaceName, queueId, frameCount, frameSize, headroom, ringSize, zeroCopy,
            enabled, busyPoll, program);
    }

    public AfXdpSettings withBusyPoll(final boolean enabled)
    {
        return new AfXdpSettings(interfaceName, queueId, frameCount, frameSize, headroom, ringSize, zeroCopy,
            needWakeup, enabled, program);
    }
}
