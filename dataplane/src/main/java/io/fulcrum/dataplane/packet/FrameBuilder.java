package io.fulcrum.dataplane.packet;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds valid Ethernet frames as byte arrays (tests, the replay demo, benchmarks; never the per-packet path), with
 * checksums computed by a plain 16-bit-word loop written here,
 * independently of {@link Checksums}, so that tests check one against the other.
 *
 * <pre>
 * byte[] frame = FrameBuilder.ipv4("192.0.2.1", "198.51.100.7").tcp(40000, 80, Tcp.SYN).payload(100).build();
 * </pre>
 */
public final class FrameBuilder
{
    public static final long CLIENT_MAC = 0x02_00_00_00_00_01L;
    public static final long BALANCER_MAC = 0x02_00_00_00_00_02L;

    private FrameBuilder()
    {
    }

    public static Builder ipv4(final String source, final String destination)
    {
        return new Builder(4, address(source, 4), address(destination, 4));
    }

    public static Builder ipv6(final String source, final String destination)
    {
        return new Builder(6, address(source, 6), address(destination, 6));
    }

    /** An ARP request (RFC 826) for {@code target} from {@code sender}. */
    public static byte[] arp(final String sender, final String target)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        putMac(out, 0xffff_ffff_ffffL);
        putMac(out, CLIENT_MAC);
        put16(out, 0x0806);
        put16(out, 1);      // hardware type Ethernet
        put16(out, 0x0800); // protocol type IPv4
        out.write(6);
        out.write(4);
        put16(out, 1);      // request
        putMac(out, CLIENT_MAC);
        out.writeBytes(address(sender, 4));
        putMac(out, 0);
        out.writeBytes(address(target, 4));
        return pad(out.toByteArray(), 60);
    }

    /** A heap segment holding {@code frame} after {@code headroom} bytes, with {@code tailroom} bytes after it. */
    public static MemorySegment inSlot(final byte[] frame, final int headroom, final int tailroom)
    {
        final byte[] slot = new byte[headroom + frame.length + tailroom];
        System.arraycopy(frame, 0, slot, headroom, frame.length);
        return MemorySegment.ofArray(slot);
    }

    public static byte[] address(final String literal, final int version)
    {
        try
        {
            final InetAddress address = InetAddress.getByName(literal); // literals only: no name lookup
            final byte[] bytes = address.getAddress();
            if ((version == 4) != (address instanceof Inet4Address))
            {
                throw new IllegalArgumentException("not an IPv" + version + " address: " + literal);
            }
            return bytes;
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** RFC 1071 checksum the simple way: sum 16-bit big-endian words, odd byte padded, fold, complement. */
    public static int checksum(final byte[]... parts)
    {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            all.writeBytes(part);
        }
        final byte[] bytes = all.toByteArray();
        int sum = 0;
        for (int i = 0; i < bytes.length; i += 2)
        {
            final int high = bytes[i] & 0xff;
            final int low = i + 1 < bytes.length ? bytes[i + 1] & 0xff : 0;
            sum += high << 8 | low;
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }

    public static byte[] pseudoHeader(final byte[] source, final byte[] destination, final int protocol, final int length)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(source);
        out.writeBytes(destination);
        if (source.length == 4)
        {
            out.write(0);
            out.write(protocol);
            put16(out, length);
        }
        else
        {
            put16(out, length >>> 16);
            put16(out, length);
            put16(out, 0);
            out.write(0);
            out.write(protocol);
        }
        return out.toByteArray();
    }

    public static final class Builder
    {
        private final int version;
        private final byte[] source;
        private final byte[] destination;
        private long sourceMac = CLIENT_MAC;
        private long destinationMac = BALANCER_MAC;
        private int vlanTci = -1;
        private int ttl = 64;
        private int trafficClass;
        private int identification = 0x1234;
        private boolean dontFragment = true;
        private boolean moreFragments;
        private int fragmentOffset;
        private byte[] ipv4Options = new byte[0];
        private final List<int[]> extensionTypes = new ArrayList<>();
        private final List<byte[]> extensionBodies = new ArrayList<>();
        private int protocol = 59;
        private int sourcePort;
        private int destinationPort;
        private int tcpFlags;
        private int tcpOptionsLength;
        private int icmpType = -1;
        private int icmpCode;
        private int icmpRest;
        private byte[] payload = new byte[0];
        private boolean rawL4;
        private int minimumFrameLength = 60;

        private Builder(final int version, final byte[] source, final byte[] destination)
        {
            this.version = version;
            this.source = source;
            this.destination = destination;
        }

        public Builder macs(final long sourceMac, final long destinationMac)
        {
            this.sourceMac = sourceMac;
            this.destinationMac = destinationMac;
            return this;
        }

        public Builder vlan(final int tci)
        {
            vlanTci = tci;
            return this;
        }

        public Builder ttl(final int value)
        {
            ttl = value;
            return this;
        }

        public Builder trafficClass(final int value)
        {
            trafficClass = value;
            return this;
        }

        public Builder dontFragment(final boolean value)
        {
            dontFragment = value;
            return this;
        }

        public Builder identification(final int value)
        {
            identification = value;
            return this;
        }

        /**
         * Marks the packet as a fragment at {@code offsetBytes} (a multiple of 8). IPv4 uses the header fields; IPv6
         * adds a fragment header after the extension headers added so far.
         */
        public Builder fragment(final int offsetBytes, final boolean more, final int id)
        {
            moreFragments = more;
            fragmentOffset = offsetBytes;
            identification = id;
            if (version == 6)
            {
                extensionTypes.add(new int[]{Ipv6.FRAGMENT});
                extensionBodies.add(new byte[]{0, 0, 0, 0, 0, 0}); // filled in build()
            }
            else
            {
                dontFragment = false;
            }
            return this;
        }

        /** IPv4 options (padded to a multiple of 4 with end-of-options). */
        public Builder options(final byte[] options)
        {
            ipv4Options = Arrays.copyOf(options, (options.length + 3) & ~3);
            return this;
        }

        /** An IPv6 extension header with {@code 6 + 8 * extraUnits} bytes of PadN-filled options or routing data. */
        public Builder extension(final int type, final int extraUnits)
        {
            final byte[] body = new byte[6 + 8 * extraUnits];
            if (type == Ipv6.HOP_BY_HOP || type == Ipv6.DESTINATION_OPTIONS)
            {
                body[0] = 1; // PadN (RFC 8200 section 4.2) covering the whole body
                body[1] = (byte)(body.length - 2);
            }
            else if (type == Ipv6.ROUTING)
            {
                body[0] = 4; // routing type 4 (segment routing), segments left 0: processed as if absent
            }
            extensionTypes.add(new int[]{type});
            extensionBodies.add(body);
            return this;
        }

        public Builder tcp(final int sourcePort, final int destinationPort, final int flags)
        {
            protocol = Ipv4.PROTOCOL_TCP;
            this.sourcePort = sourcePort;
            this.destinationPort = destinationPort;
            tcpFlags = flags;
            return this;
        }

        /** TCP options: {@code length} bytes (multiple of 4) of NOPs, to move the data offset. */
        public Builder tcpOptions(final int length)
        {
            tcpOptionsLength = length;
            return this;
        }

        public Builder udp(final int sourcePort, final int destinationPort)
        {
            protocol = Ipv4.PROTOCOL_UDP;
            this.sourcePort = sourcePort;
            this.destinationPort = destinationPort;
            return this;
        }

        /** ICMP (IPv4) or ICMPv6 (IPv6) with the 4-byte rest of header and the payload as its body. */
        public Builder icmp(final int type, final int code, final int rest)
        {
            protocol = version == 4 ? Ipv4.PROTOCOL_ICMP : Ipv4.PROTOCOL_ICMPV6;
            icmpType = type;
            icmpCode = code;
            icmpRest = rest;
            return this;
        }

        /** An upper-layer protocol whose bytes are the payload as given, no header built. */
        public Builder raw(final int protocolNumber)
        {
            protocol = protocolNumber;
            rawL4 = true;
            return this;
        }

        public Builder payload(final byte[] bytes)
        {
            payload = bytes.clone();
            return this;
        }

        /** {@code length} bytes of a recognisable pattern. */
        public Builder payload(final int length)
        {
            payload = new byte[length];
            for (int i = 0; i < length; i++)
            {
                payload[i] = (byte)(i * 7 + 3);
            }
            return this;
        }

        /** Ethernet minimum frame (without FCS) is 60 bytes; 0 sends short frames unpadded. */
        public Builder padTo(final int length)
        {
            minimumFrameLength = length;
            return this;
        }

        /** The IP packet alone (no Ethernet header). */
        public byte[] buildIp()
        {
            final byte[] l4 = buildUpperLayer();
            return version == 4 ? buildIpv4(l4) : buildIpv6(l4);
        }

        public byte[] build()
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            putMac(out, destinationMac);
            putMac(out, sourceMac);
            if (vlanTci >= 0)
            {
                put16(out, 0x8100);
                put16(out, vlanTci);
            }
            put16(out, version == 4 ? 0x0800 : 0x86dd);
            out.writeBytes(buildIp());
            return pad(out.toByteArray(), minimumFrameLength);
        }

        private byte[] buildUpperLayer()
        {
            if (rawL4 || protocol == 59)
            {
                return payload;
            }
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final int checksumAt;
            if (protocol == Ipv4.PROTOCOL_TCP)
            {
                put16(out, sourcePort);
                put16(out, destinationPort);
                put32(out, 1000);       // sequence number
                put32(out, 0);          // acknowledgement number
                out.write((5 + tcpOptionsLength / 4) << 4);
                out.write(tcpFlags);
                put16(out, 65535);      // window
                put16(out, 0);          // checksum
                put16(out, 0);          // urgent pointer
                for (int i = 0; i < tcpOptionsLength; i++)
                {
                    out.write(1);       // NOP
                }
                checksumAt = 16;
            }
            else if (protocol == Ipv4.PROTOCOL_UDP)
            {
                put16(out, sourcePort);
                put16(out, destinationPort);
                put16(out, 8 + payload.length);
                put16(out, 0);
                checksumAt = 6;
            }
            else
            {
                out.write(icmpType);
                out.write(icmpCode);
                put16(out, 0);
                put32(out, icmpRest);
                checksumAt = 2;
            }
            out.writeBytes(payload);
            final byte[] l4 = out.toByteArray();
            final boolean pseudo = protocol != Ipv4.PROTOCOL_ICMP;
            int checksum = pseudo
                ? checksum(pseudoHeader(source, destination, protocol, l4.length), l4)
                : checksum(l4);
            if (checksum == 0 && protocol == Ipv4.PROTOCOL_UDP)
            {
                checksum = 0xffff;
            }
            l4[checksumAt] = (byte)(checksum >>> 8);
            l4[checksumAt + 1] = (byte)checksum;
            return l4;
        }

        private byte[] buildIpv4(final byte[] l4)
        {
            final int headerLength = 20 + ipv4Options.length;
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0x40 | headerLength / 4);
            out.write(trafficClass);
            put16(out, headerLength + l4.length);
            put16(out, identification);
            put16(out, (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | fragmentOffset / 8);
            out.write(ttl);
            out.write(protocol);
            put16(out, 0);
            out.writeBytes(source);
            out.writeBytes(destination);
            out.writeBytes(ipv4Options);
            final byte[] header = out.toByteArray();
            final int checksum = checksum(header);
            header[10] = (byte)(checksum >>> 8);
            header[11] = (byte)checksum;
            final byte[] packet = Arrays.copyOf(header, header.length + l4.length);
            System.arraycopy(l4, 0, packet, header.length, l4.length);
            return packet;
        }

        private byte[] buildIpv6(final byte[] l4)
        {
            final ByteArrayOutputStream extensions = new ByteArrayOutputStream();
            for (int i = 0; i < extensionTypes.size(); i++)
            {
                final int next = i + 1 < extensionTypes.size() ? extensionTypes.get(i + 1)[0] : protocol;
                final byte[] body = extensionBodies.get(i);
                extensions.write(next);
                if (extensionTypes.get(i)[0] == Ipv6.FRAGMENT)
                {
                    extensions.write(0);
                    put16(extensions, fragmentOffset | (moreFragments ? 1 : 0));
                    put32(extensions, identification);
                }
                else
                {
                    extensions.write((body.length + 2) / 8 - 1);
                    extensions.writeBytes(body);
                }
            }
            final int first = extensionTypes.isEmpty() ? protocol : extensionTypes.get(0)[0];
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            put32(out, 6 << 28 | trafficClass << 20 | 0x12345);
            put16(out, extensions.size() + l4.length);
            out.write(first);
            out.write(ttl);
            out.writeBytes(source);
            out.writeBytes(destination);
            out.writeBytes(extensions.toByteArray());
            out.writeBytes(l4);
            return out.toByteArray();
        }
    }

    private static byte[] pad(final byte[] frame, final int minimum)
    {
        return frame.length >= minimum ? frame : Arrays.copyOf(frame, minimum);
    }

    private static void putMac(final ByteArrayOutputStream out, final long mac)
    {
        put16(out, (int)(mac >>> 32));
        put32(out, (int)mac);
    }

    private static void put16(final ByteArrayOutputStream out, final int value)
    {
        out.write(value >>> 8);
        out.write(value);
    }

    private static void put32(final ByteArrayOutputStream out, final int value)
    {
        put16(out, value >>> 16);
        put16(out, value);
    }
}
