package io.fulcrum.controlplane.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.PacketParser;
import io.fulcrum.dataplane.packet.ParseResult;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.port.pcap.PcapReader;
import io.fulcrum.dataplane.port.pcap.PcapWriter;

class ReplayCommandTest
{
    @TempDir
    Path dir;

    private static final String CONFIG = """
        services:
          - { name: web, vip: 192.0.2.10, port: 80, protocol: tcp, forwarding: ipip, pool: web }
        pools:
          - name: web
            backends:
              - { address: 10.0.0.11, mac: "02:00:00:00:01:11" }
              - { address: 10.0.0.12, mac: "02:00:00:00:01:12" }
        """;

    private record Run(int exitCode, String out, String err)
    {
    }

    private static Run fulcrum(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exitCode = FulcrumCommand.commandLine()
            .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    @Test
    void replayWritesEveryFlowEncapsulatedToOneBackendAndStatReadsTheCounters() throws Exception
    {
        final Path config = Files.writeString(dir.resolve("fulcrum.yaml"), CONFIG);
        final Path in = dir.resolve("in.pcap");
        final Path out = dir.resolve("out.pcap");
        final Path counters = dir.resolve("counters");
        try (PcapWriter writer = new PcapWriter(in))
        {
            long nanos = 1_000_000_000L;
            for (int round = 0; round < 2; round++)
            {
                for (int flow = 0; flow < 100; flow++)
                {
                    writer.write(FrameBuilder.ipv4("198.51.100.1", "192.0.2.10")
                        .tcp(30_000 + flow, 80, round == 0 ? Tcp.SYN : Tcp.ACK).build(), nanos += 1000);
                }
            }
            writer.write(FrameBuilder.ipv4("198.51.100.1", "192.0.2.10").tcp(30_000, 443, Tcp.SYN).build(), nanos);
        }

        final Run run = fulcrum("replay", "--config", config.toString(), "--in", in.toString(),
            "--out", out.toString(), "--counters", counters.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("Frames read: 201, transmitted: 200, passed to host: 0, dropped: 1"), run.out());
        assertTrue(run.out().matches("(?s).*no service\\s+1\\n.*"), run.out());

        // What replay wrote is what a backend would receive: IPIP to one of the pool, the same one per flow.
        final Map<Integer, String> backendOfFlow = new HashMap<>();
        final PacketParser parser = new PacketParser();
        int frames = 0;
        try (PcapReader reader = new PcapReader(out); Arena arena = Arena.ofConfined())
        {
            final MemorySegment frame = arena.allocate(4096);
            int length;
            while ((length = reader.next(frame, 0, 4096)) >= 0)
            {
                frames++;
                assertEquals(ParseResult.IP, parser.parse(frame, 0, length));
                assertEquals(4, parser.protocol(), "outer protocol is IPIP");
                final String backend = IpAddresses.format(parser.dstHi(), parser.dstLo());
                assertTrue(backend.equals("10.0.0.11") || backend.equals("10.0.0.12"), backend);
                // The inner TCP source port follows the 20-byte outer header and the 20-byte inner one.
                final int sourcePort = Short.toUnsignedInt(frame.get(
                    java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                    14 + 20 + 20));
                final String previous = backendOfFlow.putIfAbsent(sourcePort, backend);
                assertTrue(previous == null || previous.equals(backend), "flow " + sourcePort + " moved");
            }
        }
        assertEquals(200, frames);
        assertEquals(100, backendOfFlow.size());

        final Run stat = fulcrum("stat", "--file", counters.toString());
        assertEquals(0, stat.exitCode(), stat.err());
        assertTrue(stat.out().matches("(?s).*service web \\(192\\.0\\.2\\.10:80/tcp\\): packets\\s+200\\n.*"), stat.out());
        assertTrue(stat.out().matches("(?s).*dropped: no service\\s+1\\n.*"), stat.out());
    }

    @Test
    void replayOfTheDemoForwardsTrafficAndCountsWhatItDropped()
    {
        final Run run = fulcrum("replay", "--demo", "--config", Path.of("..", "docs", "examples", "fulcrum.yaml").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("ICMP too-big replies sent: 2"), run.out());
        assertTrue(run.out().matches("(?s).*malformed\\s+2\\n.*"), run.out());
    }

    @Test
    void replayRefusesABadConfigurationNamingFileLineAndField() throws Exception
    {
        final Path config = Files.writeString(dir.resolve("bad.yaml"), CONFIG.replace("port: 80", "port: 80000"));
        final Run run = fulcrum("replay", "--config", config.toString(), "--in", config.toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("bad.yaml:2:") && run.err().contains("services[0].port"), run.err());
    }

    @Test
    void statWithoutACountersFileSaysWhereItLooked()
    {
        final Run run = fulcrum("stat", "--file", dir.resolve("none").toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().contains("no counters file at"), run.err());
    }
}
