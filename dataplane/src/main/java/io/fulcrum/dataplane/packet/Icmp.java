package io.fulcrum.dataplane.packet;

import java.lang.foreign.MemorySegment;

/** ICMP (RFC 792) and ICMPv6 (RFC 4443) share this 8-byte header layout; the errors quote the offending packet. */
public final class Icmp
{
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    /** Rest of header: unused + next-hop MTU for ICMPv4 type 3 code 4 (RFC 1191 section 4), MTU for ICMPv6 type 2. */
    public static final int REST = 4;
    public static final int V4_NEXT_HOP_MTU = 6;
    public static final int HEADER_LENGTH = 8;

    public static final int V4_ECHO_REPLY = 0;
    public static final int V4_DESTINATION_UNREACHABLE = 3;
    public static final int V4_CODE_FRAGMENTATION_NEEDED = 4;
    public static final int V4_ECHO_REQUEST = 8;
    public static final int V4_TIME_EXCEEDED = 11;
    public static final int V4_PARAMETER_PROBLEM = 12;

    public static final int V6_DESTINATION_UNREACHABLE = 1;
    public static final int V6_PACKET_TOO_BIG = 2;
    public static final int V6_TIME_EXCEEDED = 3;
    public static final int V6_PARAMETER_PROBLEM = 4;
    public static final int V6_ECHO_REQUEST = 128;
    public static final int V6_ECHO_REPLY = 129;

    private Icmp()
    {
    }

    public static int type(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header + TYPE);
    }

    public static int code(final MemorySegment memory, final long header)
    {
        return NetworkBytes.u8(memory, header + CODE);
    }

    /** The error messages that quote a packet a flow sent (RFC 792; RFC 4443 section 2.1: types below 128). */
    public static boolean isError(final int ipVersion, final int type)
    {
        if (ipVersion == 4)
        {
            return type == V4_DESTINATION_UNREACHABLE || type == V4_TIME_EXCEEDED || type == V4_PARAMETER_PROBLEM;
        }
        return type >= V6_DESTINATION_UNREACHABLE && type <= V6_PARAMETER_PROBLEM;
    }
}
