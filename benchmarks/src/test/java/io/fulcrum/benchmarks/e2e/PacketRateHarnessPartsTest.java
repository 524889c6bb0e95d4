package io.fulcrum.benchmarks.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import io.fulcrum.benchmarks.harness.Median;
import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.PacketIo;
import io.fulcrum.dataplane.port.afxdp.BpfAssembler;
import io.fulcrum.dataplane.sys.Bpf;
import io.fulcrum.dataplane.sys.Privileges;

/** The parts of the end-to-end harness that can be checked without a network: no timing, no traffic. */
class PacketRateHarnessPartsTest
{
    private static String[] harness(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exitCode = new CommandLine(new PacketRateHarness()).setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true)).execute(args);
        return new String[] {String.valueOf(exitCode), out.toString(), err.toString()};
    }

    @Test
    void helpNamesEveryOptionThatE2eShAndTheDocsPass()
    {
        final String[] run = harness("--help");

        assertEquals("0", run[0], run[2]);
        for (final String option : List.of("--rounds", "--window", "--warmup", "--modes", "--scenarios",
            "--generator-cpu", "--balancer-cpu", "--idle", "--spread-receive", "--nice", "--fulcrum", "--work-dir"))
        {
            assertTrue(run[1].contains(option + "="), option + " in " + run[1]);
        }
    }

    @Test
    void theOptionsOfTheDocsParseWithANegativeNiceAndFractionalSeconds()
    {
        new CommandLine(new PacketRateHarness()).parseArgs("--rounds", "5", "--window", "0.5", "--warmup", "1.5",
            "--modes", "spread", "--scenarios", "fulcrum-af_xdp,nftables", "--generator-cpu", "0", "--balancer-cpu",
            "1", "--idle", "backoff", "--spread-receive", "napi-thread", "--nice", "-5", "--fulcrum", "./fulcrum",
            "--work-dir", "/tmp/e2e");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--rounds 0|--rounds must be at least 1",
        "--window 0|--window must be positive",
        "--modes spread,both|unknown mode 'both' (spread, one-core)",
        "--scenarios nftables,ipvs|unknown scenario 'ipvs'",
        "--spread-receive sometimes|--spread-receive: inline or napi-thread",
        "--rate 5|Unknown options: '--rate', '5'"})
    void aWrongCommandLineIsAUsageErrorBeforeAnythingIsSetUp(final String args, final String message)
    {
        final String[] run = harness(args.split(" "));

        assertEquals("2", run[0], run[2]);
        assertTrue(run[2].contains(message), run[2]);
    }

    @Test
    void theBalancerConfigPassesFulcrumsOwnStrictLoader(@TempDir final Path dir) throws Exception
    {
        for (final String packetIo : List.of("af_xdp", "af_packet"))
        {
            final Path file = dir.resolve(packetIo + ".yaml");
            Files.writeString(file, FulcrumProcess.config(packetIo, 1, "busy-spin", dir.resolve("counters")));
            final FulcrumConfig config = ConfigLoader.load(file);
            assertEquals(List.of(BenchTopology.LB_IF), config.dataplane().interfaces());
            assertEquals(packetIo.equals("af_xdp") ? PacketIo.AF_XDP : PacketIo.AF_PACKET,
                config.dataplane().packetIo());
            assertEquals(List.of(1), config.dataplane().cores());
            assertEquals(1, config.backendCount());
        }
    }

    @Test
    void theSinkCounterAndTheRedirectCeilingPassTheVerifier()
    {
        assumeTrue(Privileges.isRoot(), "loading BPF programs needs root");
        final int map = Bpf.mapCreate(6 /* BPF_MAP_TYPE_PERCPU_ARRAY */, 4, 8, 1, "fb_test");
        try (Arena arena = Arena.ofConfined())
        {
            final BpfAssembler sink = SinkCounter.program(map);
            final BpfAssembler redirect = XdpRedirectCeiling.program(1, XdpRedirectCeiling.mac(BenchTopology.GEN_MAC),
                XdpRedirectCeiling.mac(BenchTopology.LB_MAC));
            final int sinkFd = Bpf.progLoad(Bpf.BPF_PROG_TYPE_XDP, sink.assemble(arena), "GPL", "fb_sink", Bpf.BPF_XDP);
            final int redirectFd = Bpf.progLoad(Bpf.BPF_PROG_TYPE_XDP, redirect.assemble(arena), "GPL", "fb_redirect",
                Bpf.BPF_XDP);
            assertTrue(sinkFd >= 0 && redirectFd >= 0);
            Bpf.close(sinkFd);
            Bpf.close(redirectFd);
        }
        finally
        {
            Bpf.close(map);
        }
    }

    @Test
    void theMedianOfAnEvenNumberOfRoundsIsTheMeanOfTheMiddleTwo()
    {
        assertEquals(0.25, Median.of(new double[] {0.4, 0.1, 0.2, 0.3}), 1e-12);
        assertEquals(0.2, Median.of(new double[] {0.9, 0.1, 0.2}), 1e-12);
        assertTrue(Double.isNaN(Median.of(new double[0])));
    }

    @Test
    void theGeneratedFrameIsAddressedToTheVipFromTheGenerator()
    {
        final String packet = Trafgen.packet();
        assertTrue(packet.contains("0x02, 0xfb, 0x00, 0x00, 0x00, 0x02, 0x02, 0xfb, 0x00, 0x00, 0x00, 0x01"), packet);
        assertTrue(packet.contains("10,201,0,1, 10,201,1,10"), packet);
        assertTrue(packet.contains("c16(9)"), packet);
    }
}
