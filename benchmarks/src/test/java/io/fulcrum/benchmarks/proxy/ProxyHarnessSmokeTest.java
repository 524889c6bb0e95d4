package io.fulcrum.benchmarks.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./fulcrum bench proxy --smoke}: one round of 1 s windows through the real namespaces, nginx, wrk and the
 * proxies. Not a measurement: it checks that every contender answers every case it runs and that the run leaves no
 * namespace behind.
 */
class ProxyHarnessSmokeTest
{
    /**
     * Fulcrum's rows need the daemon to read {@code proxy:}, {@code mode:} and {@code backend-port:} and to start a
     * proxied service without a packet data plane; until then its config is refused. Flip when it is wired.
     */
    static final boolean FULCRUM_PROXY_WIRED = true;

    @Test
    void everyCaseOfEveryProxyAnswersAndNoNamespaceIsLeftBehind(@TempDir final Path workDir)
    {
        SystemRequirements.requireRoot();
        for (final String program : List.of(Wrk.PROGRAM, NginxBackends.PROGRAM, Haproxy.PROGRAM, "curl"))
        {
            SystemRequirements.requireProgram(program);
        }
        final ProxyHarness harness = new ProxyHarness();
        final StringWriter err = new StringWriter();
        final List<String> args = FULCRUM_PROXY_WIRED
            ? List.of("--smoke", "--proxies", "direct,haproxy,fulcrum", "--fulcrum", launcher().toString())
            : List.of("--smoke", "--proxies", "direct,haproxy");
        final int exitCode = new CommandLine(harness).setErr(new PrintWriter(err, true))
            .execute(concat(args, List.of("--work-dir", workDir.toString())));

        final ProxyTable table = harness.table();
        for (final LoadCase loadCase : LoadCase.values())
        {
            for (final Contender contender : Contender.parse(FULCRUM_PROXY_WIRED ? List.of("direct", "haproxy",
                "fulcrum") : List.of("direct", "haproxy")))
            {
                if (!contender.runs(loadCase))
                {
                    continue;
                }
                final List<RequestMeasurement> measured = table.measured(loadCase, contender);
                assertEquals(1, measured.size(), loadCase.key + " " + contender.key + ": " + table.render());
                assertTrue(measured.getFirst().wrk().requests() > 0, loadCase.key + " " + contender.key);
                assertEquals(0, measured.getFirst().wrk().non2xx(), loadCase.key + " " + contender.key);
            }
        }
        assertFalse(table.anyFailed(), table.render());
        assertEquals(0, exitCode, err.toString());
        assertTrue(ProxyTopology.gone(), "a namespace fp-* is left: " + ProxyTopology.NAMESPACES);
    }

    private static String[] concat(final List<String> first, final List<String> second)
    {
        return java.util.stream.Stream.concat(first.stream(), second.stream()).toArray(String[]::new);
    }

    /** The checkout's launcher: the tests run in benchmarks/, the launcher is one level up. */
    private static Path launcher()
    {
        return Path.of("..", "fulcrum").toAbsolutePath().normalize();
    }
}
