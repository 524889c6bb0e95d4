package io.fulcrum.dataplane.forward;

import io.fulcrum.dataplane.testing.SystemRequirements;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs tshark (Wireshark's decoder, a reference nobody here wrote) over a capture and returns chosen fields. */
final class Tshark
{
    private Tshark()
    {
    }

    /**
     * One row per frame, one column per field; a field present several times (outer and inner header) is
     * comma-separated, outermost first. Checksum validation is on, and UDP {@code guePort} is decoded as IP.
     */
    static List<String[]> fields(final Path pcap, final int guePort, final String... fields)
        throws IOException, InterruptedException
    {
        final Path tshark = SystemRequirements.requireCommand("tshark");
        final List<String> command = new ArrayList<>(List.of(tshark.toString(), "-r", pcap.toString(),
            "-d", "udp.port==" + guePort + ",ip",
            "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
            "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (final String field : fields)
        {
            command.add("-e");
            command.add(field);
        }
        final Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        final String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            throw new IOException("tshark failed: " + err);
        }
        final List<String[]> rows = new ArrayList<>();
        for (final String line : out.split("\n"))
        {
            if (!line.isEmpty())
            {
                rows.add(line.split("\t", -1));
            }
        }
        return rows;
    }

    /** Wireshark's checksum status field value for a verified-good checksum (PROTO_CHECKSUM_E_GOOD). */
    static final String GOOD = "1";
}
