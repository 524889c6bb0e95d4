package io.fulcrum.controlplane.health;

import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.Ipv6;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The classic BPF program that keeps the capture of check replies to packets from a VIP: the capture socket sees
 * every packet of every interface (with the AF_PACKET data plane, every client packet), and the kernel drops all but
 * those before they are copied. It reads the IP header from offset 0, as a packet socket of type SOCK_DGRAM presents
 * it. Every jump is short (8-bit offsets) but the one to the IPv6 part, a {@code ja} with a 32-bit offset.
 */
final class ReplyFilter
{
    /** linux/filter.h BPF_MAXINSNS. */
    static final int MAX_INSTRUCTIONS = 4096;
    /** Bytes of an accepted packet that are queued: all of a reply to a check. */
    private static final int ACCEPT = 0xffff;

    // linux/bpf_common.h: class | size | mode, class | op | source
    private static final int LD_B_ABS = 0x00 | 0x10 | 0x20;
    private static final int LD_W_ABS = 0x00 | 0x00 | 0x20;
    private static final int ALU_RSH_K = 0x04 | 0x70 | 0x00;
    private static final int JMP_JA = 0x05 | 0x00;
    private static final int JMP_JEQ_K = 0x05 | 0x10 | 0x00;
    private static final int RET_K = 0x06 | 0x00;

    private ReplyFilter()
    {
    }

    /** Accepts IPv4 and IPv6 packets whose source is one of {@code vips}; drops everything else. */
    static long[] fromSources(final Collection<InetAddress> vips)
    {
        final List<byte[]> v4 = new ArrayList<>();
        final List<byte[]> v6 = new ArrayList<>();
        for (final InetAddress vip : vips)
        {
            (vip instanceof Inet4Address ? v4 : v6).add(vip.getAddress());
        }
        final List<Long> program = new ArrayList<>();
        program.add(instruction(LD_B_ABS, 0, 0, 0));
        program.add(instruction(ALU_RSH_K, 0, 0, 4));
        program.add(instruction(JMP_JEQ_K, 1, 0, 4));
        program.add(instruction(JMP_JA, 0, 0, 2 + 2 * v4.size())); // to the IPv6 part
        program.add(instruction(LD_W_ABS, 0, 0, Ipv4.SOURCE));
        for (final byte[] vip : v4)
        {
            program.add(instruction(JMP_JEQ_K, 0, 1, word(vip, 0)));
            program.add(instruction(RET_K, 0, 0, ACCEPT));
        }
        program.add(instruction(RET_K, 0, 0, 0));
        // A still holds the version here.
        program.add(instruction(JMP_JEQ_K, 1, 0, 6));
        program.add(instruction(RET_K, 0, 0, 0));
        for (final byte[] vip : v6)
        {
            for (int word = 0; word < 4; word++)
            {
                program.add(instruction(LD_W_ABS, 0, 0, Ipv6.SOURCE + 4 * word));
                program.add(instruction(JMP_JEQ_K, 0, 7 - 2 * word, word(vip, 4 * word)));
            }
            program.add(instruction(RET_K, 0, 0, ACCEPT));
        }
        program.add(instruction(RET_K, 0, 0, 0));
        if (program.size() > MAX_INSTRUCTIONS)
        {
            // Some hundreds of VIPs: let every packet through and leave the matching to the reader.
            return new long[] {instruction(RET_K, 0, 0, ACCEPT)};
        }
        return program.stream().mapToLong(Long::longValue).toArray();
    }

    private static long instruction(final int code, final int jt, final int jf, final int k)
    {
        return (long)code << 48 | (long)(jt & 0xff) << 40 | (long)(jf & 0xff) << 32 | (k & 0xffff_ffffL);
    }

    private static int word(final byte[] address, final int at)
    {
        return (address[at] & 0xff) << 24 | (address[at + 1] & 0xff) << 16 | (address[at + 2] & 0xff) << 8 |
            (address[at + 3] & 0xff);
    }
}
