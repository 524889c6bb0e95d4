package io.fulcrum.dataplane.port.afpacket;

import io.fulcrum.dataplane.sys.PacketSockets;

/**
 * How an {@link AfPacketPort} sets up its socket and rings.
 *
 * @param interfaceName   the interface to bind to (at most 15 characters)
 * @param fanoutGroupId   PACKET_FANOUT group (1..65535) shared by the workers of one interface, 0 for none
 * @param fanoutDefrag    PACKET_FANOUT_FLAG_DEFRAG: reassemble IP fragments before hashing, so that they reach the
 *                        same worker; reassembled packets longer than a slot are then dropped by the port
 * @param blockSize       bytes per RX ring block (tp_block_size): a multiple of the page size, and of frameSize
 * @param blockCount      RX ring blocks (tp_block_nr)
 * @param frameSize       tp_frame_size of both rings, a multiple of 16; a TX frame carries up to
 *                        {@code frameSize - 48} bytes
 * @param retireTimeoutMs tp_retire_blk_tov: a block that is not full is handed over after this long, so that a
 *                        quiet link still delivers
 * @param txFrames        TX ring frames: a multiple of {@code TX_BLOCK_SIZE / frameSize}
 * @param batchSize       frames lent per receive/complete round: the number of 2048-byte slots of port memory
 * @param qdiscBypass     PACKET_QDISC_BYPASS: hand frames straight to the driver, skipping the queueing discipline
 */
public record AfPacketSettings(String interfaceName, int fanoutGroupId, boolean fanoutDefrag, int blockSize,
    int blockCount, int frameSize, int retireTimeoutMs, int txFrames, int batchSize, boolean qdiscBypass)
{
    /** TX ring block size: 64 KiB is a multiple of every page size Linux uses (4, 16, 64 KiB). */
    public static final int TX_BLOCK_SIZE = 1 << 16;

    public AfPacketSettings
    {
        if (interfaceName == null || interfaceName.isEmpty() || interfaceName.length() > 15)
        {
            throw new IllegalArgumentException("interface name must be 1..15 characters: " + interfaceName);
        }
        if (fanoutGroupId < 0 || fanoutGroupId > 0xFFFF)
        {
            throw new IllegalArgumentException("fanout group id must be 0 (none) or 1..65535: " + fanoutGroupId);
        }
        if (frameSize < 2 * PacketSockets.TPACKET3_HDR_SIZE || frameSize % PacketSockets.TPACKET_ALIGNMENT != 0
            || frameSize > TX_BLOCK_SIZE)
        {
            throw new IllegalArgumentException("frame size must be a multiple of 16 in 96.." + TX_BLOCK_SIZE + ": "
                + frameSize);
        }
        if (blockSize <= 0 || blockSize % 4096 != 0 || blockSize % frameSize != 0)
        {
            throw new IllegalArgumentException("block size must be a multiple of the page size and of the frame size: "
                + blockSize);
        }
        if (blockCount <= 0 || (long)blockCount * blockSize > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("block count must be positive and the ring below 2 GiB: " + blockCount);
        }
        if (retireTimeoutMs <= 0)
        {
            throw new IllegalArgumentException("retire timeout must be at least 1 ms: " + retireTimeoutMs);
        }
        if (txFrames <= 0 || txFrames % (TX_BLOCK_SIZE / frameSize) != 0)
        {
            throw new IllegalArgumentException("TX frames must be a positive multiple of " + TX_BLOCK_SIZE / frameSize
                + ": " + txFrames);
        }
        if (batchSize <= 0)
        {
            throw new IllegalArgumentException("batch size must be positive: " + batchSize);
        }
    }

    /**
     * 64 blocks of 256 KiB (16 MiB, about 8000 full-size or 170000 minimum-size frames of RX buffering), 1 ms block
     * retirement, 1024 TX frames of 2048 bytes, 256 slots, no fanout, through the queueing discipline.
     */
    public static AfPacketSettings defaults(final String interfaceName)
    {
        return new AfPacketSettings(interfaceName, 0, false, 1 << 18, 64, 2048, 1, 1024, 256, false);
    }

    public AfPacketSettings withFanout(final int groupId)
    {
        return new AfPacketSettings(interfaceName, groupId, fanoutDefrag, blockSize, blockCount, frameSize,
            retireTimeoutMs, txFrames, batchSize, qdiscBypass);
    }

    public AfPacketSettings withQdiscBypass(final boolean bypass)
    {
        return new AfPacketSettings(interfaceName, fanoutGroupId, fanoutDefrag, blockSize, blockCount, frameSize,
            retireTimeoutMs, txFrames, batchSize, bypass);
    }

    public AfPacketSettings withRxRing(final int newBlockSize, final int newBlockCount)
    {
        return new AfPacketSettings(interfaceName, fanoutGroupId, fanoutDefrag, newBlockSize, newBlockCount,
            frameSize, retireTimeoutMs, txFrames, batchSize, qdiscBypass);
    }

    public AfPacketSettings withTxFrames(final int frames)
    {
        return new AfPacketSettings(interfaceName, fanoutGroupId, fanoutDefrag, blockSize, blockCount, frameSize,
            retireTimeoutMs, frames, batchSize, qdiscBypass);
    }

    public AfPacketSettings withBatchSize(final int slots)
    {
        return new AfPacketSettings(interfaceName, fanoutGroupId, fanoutDefrag, blockSize, blockCount, frameSize,
            retireTimeoutMs, txFrames, slots, qdiscBypass);
    }

    /** RX tp_frame_nr: the kernel requires exactly frames-per-block times blocks. */
    int rxFrameCount()
    {
        return blockSize / frameSize * blockCount;
    }

    int txBlockCount()
    {
        return txFrames / (TX_BLOCK_SIZE / frameSize);
    }
}
