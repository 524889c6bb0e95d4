package io.fulcrum.dataplane.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The offsets derived from the layouts are the kernel's (include/uapi/linux/if_xdp.h on x86_64, as pahole prints
 * them): a field added, dropped or reordered in a layout shows here, not as a socket that binds to the wrong queue.
 */
class XdpSocketsTest
{
    @Test
    void sockaddrXdpIsSixteenBytesAsTheKernelLaysItOut()
    {
        assertEquals(16, XdpSockets.SOCKADDR_XDP.byteSize());
        assertEquals(0, XdpSockets.SXDP_FAMILY);
        assertEquals(2, XdpSockets.SXDP_FLAGS);
        assertEquals(4, XdpSockets.SXDP_IFINDEX);
        assertEquals(8, XdpSockets.SXDP_QUEUE_ID);
        assertEquals(12, XdpSockets.SXDP_SHARED_UMEM_FD);
    }

    @Test
    void umemRegistrationIsThirtyTwoBytesWithTxMetadataLength()
    {
        assertEquals(32, XdpSockets.XDP_UMEM_REG_LAYOUT.byteSize());
        assertEquals(0, XdpSockets.UMEM_REG_ADDR);
        assertEquals(8, XdpSockets.UMEM_REG_LEN);
        assertEquals(16, XdpSockets.UMEM_REG_CHUNK_SIZE);
        assertEquals(20, XdpSockets.UMEM_REG_HEADROOM);
        assertEquals(24, XdpSockets.UMEM_REG_FLAGS);
        assertEquals(28, XdpSockets.UMEM_REG_TX_METADATA_LEN);
    }

    @Test
    void mmapOffsetsAreFourRingOffsetsOfThirtyTwoBytes()
    {
        assertEquals(32, XdpSockets.XDP_RING_OFFSET.byteSize());
        assertEquals(0, XdpSockets.RING_OFFSET_PRODUCER);
        assertEquals(8, XdpSockets.RING_OFFSET_CONSUMER);
        assertEquals(16, XdpSockets.RING_OFFSET_DESC);
        assertEquals(24, XdpSockets.RING_OFFSET_FLAGS);
        assertEquals(128, XdpSockets.XDP_MMAP_OFFSETS_LAYOUT.byteSize());
        assertEquals(0, XdpSockets.MMAP_OFFSETS_RX);
        assertEquals(32, XdpSockets.MMAP_OFFSETS_TX);
        assertEquals(64, XdpSockets.MMAP_OFFSETS_FR);
        assertEquals(96, XdpSockets.MMAP_OFFSETS_CR);
    }

    @Test
    void ringEntriesAreSixteenByteDescriptorsAndEightByteAddresses()
    {
        assertEquals(16, XdpSockets.XDP_DESC_SIZE);
        assertEquals(0, XdpSockets.DESC_ADDR);
        assertEquals(8, XdpSockets.DESC_LEN);
        assertEquals(12, XdpSockets.DESC_OPTIONS);
        assertEquals(8, XdpSockets.UMEM_ADDR_SIZE);
    }

    @Test
    void statisticsAreSixCountersOfEightBytes()
    {
        assertEquals(48, XdpSockets.XDP_STATISTICS_LAYOUT.byteSize());
        assertEquals(0, XdpSockets.STATISTICS_RX_DROPPED);
        assertEquals(24, XdpSockets.STATISTICS_RX_RING_FULL);
        assertEquals(40, XdpSockets.STATISTICS_TX_RING_EMPTY_DESCS);
        assertEquals(0, XdpSockets.OPTIONS_FLAGS);
    }
}
