package io.fulcrum.benchmarks.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import io.fulcrum.controlplane.config.ConfigLoader;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.dataplane.sys.Commands;

/** The parts of the proxy harness that can be checked without a network: wrk's report, the table, the configs. */
class ProxyHarnessPartsTest
{
    /** A real report of wrk 4.1.0 (Debian 12), through HAProxy, one connection per request. */
    private static final String WRK_REPORT = """
        Running 1s test @ http://10.77.2.1/1k
          1 threads and 64 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency    11.09ms    4.12ms  31.70ms   78.05%
            Req/Sec     5.17k   332.01     5.68k    70.00%
          Latency Distribution
             50%   10.50ms
             75%   12.36ms
             90%   15.79ms
             99%   24.30ms
          5269 requests in 1.03s, 6.33MB read
        Requests/sec:   5136.14
        Transfer/sec:      6.17MB
        """;

    /** The lines wrk adds when something went wrong (wrk.c prints them only then), other units. */
    private static final String WRK_REPORT_WITH_ERRORS = """
        Running 10s test @ http://10.77.3.2:8080/1k
          1 threads and 64 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency   635.91us    0.89ms   1.20s    93.69%
            Req/Sec    56.20k     5.57k   62.00k    87.00%
          Latency Distribution
             50%  391.00us
             75%  664.00us
             90%    1.30ms
             99%    1.20s
          559374 requests in 10.01s, 455.56MB read
          Socket errors: connect 1, read 12, write 0, timeout 30
          Non-2xx or 3xx responses: 3
        Requests/sec:  55882.94
        Transfer/sec:     45.51MB
        """;

    private static String[] harness(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exitCode = new CommandLine(new ProxyHarness()).setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true)).execute(args);
        return new String[] {String.valueOf(exitCode), out.toString(), err.toString()};
    }

    @Test
    void wrksReportGivesRequestsTheirRateAndTheLatencyPercentilesInMicroseconds()
    {
        final WrkResult result = WrkResult.parse(WRK_REPORT);

        assertEquals(5269, result.requests());
        assertEquals(5136.14, result.requestsPerSecond(), 1e-9);
        assertEquals(10_500, result.p50Micros(), 1e-9);
        assertEquals(24_300, result.p99Micros(), 1e-9);
        assertEquals(0, result.socketErrors());
        assertEquals(0, result.non2xx());
    }

    @Test
    void socketErrorsAreSummedAndNon2xxCountedAcrossUnits()
    {
        final WrkResult result = WrkResult.parse(WRK_REPORT_WITH_ERRORS);

        assertEquals(559_374, result.requests());
        assertEquals(391, result.p50Micros(), 1e-9);
        assertEquals(1_200_000, result.p99Micros(), 1e-9);
        assertEquals(43, result.socketErrors());
        assertEquals(3, result.non2xx());
    }

    @Test
    void aReportWithoutRequestsOrLatencyIsAnErrorThatQuotesWrk()
    {
        final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> WrkResult.parse("unable to connect to 10.77.2.1:80 Connection refused\n"));
        assertTrue(refused.getMessage().contains("Connection refused"), refused.getMessage());

        final IllegalArgumentException noLatency = assertThrows(IllegalArgumentException.class,
            () -> WrkResult.parse(WRK_REPORT.replaceAll("(?m)^ +(50|99)%.*\\n", "")));
        assertTrue(noLatency.getMessage().contains("--latency"), noLatency.getMessage());
    }

    @Test
    void connectionPerRequestAsksTheServerToClose()
    {
        assertEquals(List.of("wrk", "-t", "1", "-c", "64", "-d", "10s", "--timeout", "5s", "--latency",
            "http://10.77.2.1/1k"), Wrk.command(Contender.VIP_URL, LoadCase.KEEP_ALIVE, 64, 10));
        final List<String> close = Wrk.command(Contender.VIP_URL, LoadCase.CONNECTION_CLOSE, 64, 1);
        assertEquals(List.of("-H", "Connection: close"), close.subList(close.size() - 3, close.size() - 1));
        assertEquals("http://10.77.3.2:8080/1k", Contender.DIRECT.url());
    }

    private static RequestMeasurement measured(final double rate, final double p99, final long cpuNanos)
    {
        final long requests = Math.round(rate * 10);
        return new RequestMeasurement(new WrkResult(requests, rate, 1000, p99, 0, 0), cpuNanos, 10, 0.99);
    }

    private static ProxyTable table()
    {
        final ProxyTable table = new ProxyTable(List.of(LoadCase.KEEP_ALIVE, LoadCase.CONNECTION_CLOSE),
            List.of(Contender.DIRECT, Contender.HAPROXY_HTTP, Contender.HAPROXY_TCP, Contender.FULCRUM_HTTP_IO_URING,
                Contender.FULCRUM_TCP_EPOLL), "setup line");
        table.add(LoadCase.KEEP_ALIVE, Contender.DIRECT, measured(40_000, 3000, -1));
        // three rounds: the median (25 000 req/s, 28 us/request) is HAProxy's, not the mean
        table.add(LoadCase.KEEP_ALIVE, Contender.HAPROXY_HTTP, measured(25_000, 5000, 7_000_000_000L));
        table.add(LoadCase.KEEP_ALIVE, Contender.HAPROXY_HTTP, measured(10_000, 9000, 2_900_000_000L));
        table.add(LoadCase.KEEP_ALIVE, Contender.HAPROXY_HTTP, measured(26_000, 4000, 7_020_000_000L));
        // 30 000 req/s at 20 us: 1.20x HAProxy's rate, 0.71x its CPU per request
        table.add(LoadCase.KEEP_ALIVE, Contender.FULCRUM_HTTP_IO_URING, measured(30_000, 4000, 6_000_000_000L));
        table.add(LoadCase.CONNECTION_CLOSE, Contender.HAPROXY_HTTP, measured(5_000, 20_000, 5_000_000_000L));
        table.fail(Contender.FULCRUM_TCP_EPOLL, """
            fulcrum run (tcp, epoll) exited with 1:
            /tmp/f.yaml:1:1: proxy: unknown field 'proxy' (expected one of: dataplane, services)
            /tmp/f.yaml:9:5: services[0].mode: unknown field 'mode'""");
        table.fail(Contender.HAPROXY_TCP, """
            haproxy (tcp) exited with 1:
            [NOTICE]   (14098) : haproxy version is 2.6.12-1+deb12u4
            [ALERT]    (14098) : [/usr/sbin/haproxy.main()] Cannot raise FD limit to 40014, limit is 20000.""");
        return table;
    }

    private static String row(final String table, final String caseKey, final String title)
    {
        final String section = table.substring(table.indexOf("case " + caseKey + ":"));
        return section.lines().filter(line -> line.startsWith(title)).findFirst().orElseThrow(
            () -> new AssertionError(title + " not in " + section));
    }

    @Test
    void theTableGivesMediansAndRatiosToHaproxyAndDirect()
    {
        final ProxyTable table = table();
        table.load(2.5, 3.25);
        final String rendered = table.render();

        assertTrue(rendered.startsWith("setup line\nload average (1 min) 2.50 at the start, 3.25 at the end\n"),
            rendered);
        final String fulcrum = row(rendered, "keep-alive", "Fulcrum http, io_uring");
        assertTrue(fulcrum.matches(
            ".*\\s30000\\s+0\\.75x\\s+1\\.20x\\s+1000\\s+4000 \\|\\s+20\\.0\\s+0\\.71x\\s+60\\s+99 .*"),
            fulcrum);
        final String haproxy = row(rendered, "keep-alive", "HAProxy 2.6 mode http");
        assertTrue(haproxy.matches(".*\\s25000\\s+0\\.63x\\s+1\\.00x\\s+1000\\s+5000 \\|\\s+28\\.0\\s+1\\.00x .*"),
            haproxy);
        assertTrue(haproxy.endsWith("| 25000 10000 26000"), haproxy);
        final String direct = row(rendered, "keep-alive", "wrk straight to nginx");
        assertTrue(direct.matches(".*\\s40000\\s+1\\.00x\\s+1\\.60x\\s+1000\\s+3000 \\|\\s+-\\s+-\\s+-\\s+99 .*"),
            direct);
    }

    @Test
    void aProxyThatFailedShowsWhyAndTcpModeRowsOnlyInTheKeepAliveCase()
    {
        final String rendered = table().render();

        assertTrue(row(rendered, "keep-alive", "Fulcrum tcp, epoll")
            .endsWith("failed: /tmp/f.yaml:1:1: proxy: unknown field 'proxy' (expected one of: dataplane, services)"),
            rendered);
        assertTrue(row(rendered, "keep-alive", "HAProxy 2.6 mode tcp").contains("failed: [ALERT]")
            && row(rendered, "keep-alive", "HAProxy 2.6 mode tcp").contains("Cannot raise FD limit"), rendered);
        final String close = rendered.substring(rendered.indexOf("case close:"));
        assertFalse(close.contains("mode tcp") || close.contains("Fulcrum tcp"), close);
        assertTrue(row(rendered, "close", "Fulcrum http, io_uring").contains("failed: not measured"), close);
        assertTrue(table().anyFailed());
    }

    @Test
    void theJsonHoldsTheSameMediansEveryRoundAndTheWholeFailure() throws Exception
    {
        final JsonNode json = new ObjectMapper().readTree(table().json());

        assertEquals("setup line", json.get("setup").asText());
        final JsonNode keepAlive = json.get("cases").get(0);
        assertEquals("keep-alive", keepAlive.get("case").asText());
        final JsonNode haproxy = keepAlive.get("rows").get(1);
        assertEquals("haproxy-http", haproxy.get("proxy").asText());
        assertEquals(25_000, haproxy.get("requestsPerSecond").asDouble(), 1e-9);
        assertEquals(28.0, haproxy.get("proxyCpuMicrosPerRequest").asDouble(), 1e-9);
        assertEquals(3, haproxy.get("rounds").size());
        final JsonNode direct = keepAlive.get("rows").get(0);
        assertFalse(direct.has("proxyCpuMicrosPerRequest"), direct.toString());
        final JsonNode failed = keepAlive.get("rows").get(4);
        assertEquals("fulcrum-tcp-epoll", failed.get("proxy").asText());
        assertTrue(failed.get("failure").asText().contains("services[0].mode: unknown field 'mode'"));
        assertEquals(3, json.get("cases").get(1).get("rows").size(), "close: direct, haproxy-http, fulcrum-http");
    }

    @Test
    void proxiesAreNamedOneByOneOrByGroupInTableOrder()
    {
        assertEquals(List.of(Contender.DIRECT, Contender.HAPROXY_HTTP, Contender.HAPROXY_TCP),
            Contender.parse(List.of("haproxy", "direct")));
        assertEquals(List.of(Contender.FULCRUM_HTTP_IO_URING, Contender.FULCRUM_HTTP_EPOLL,
            Contender.FULCRUM_TCP_IO_URING, Contender.FULCRUM_TCP_EPOLL), Contender.parse(List.of("fulcrum")));
        assertEquals(List.of(Contender.FULCRUM_TCP_IO_URING, Contender.FULCRUM_TCP_EPOLL),
            Contender.parse(List.of("fulcrum-tcp")));
        assertEquals(Contender.HAPROXY_TCP, Contender.FULCRUM_TCP_IO_URING.reference());
        assertEquals(Contender.HAPROXY_HTTP, Contender.DIRECT.reference());
    }

    @Test
    void helpNamesEveryOptionOfTheDocs()
    {
        final String[] run = harness("--help");

        assertEquals("0", run[0], run[2]);
        for (final String option : List.of("--rounds=", "--window=", "--warmup=", "--cases=", "--proxies=",
            "--connections=", "--client-cpu=", "--proxy-cpu=", "--nice=", "--json", "--smoke", "--fulcrum=",
            "--work-dir="))
        {
            assertTrue(run[1].contains(option), option + " in " + run[1]);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--rounds 0|--rounds must be at least 1",
        "--window 0|--window must be at least 1 s",
        "--window 0.5|Invalid value for option '--window'",
        "--cases keep-alive,pipelined|unknown case 'pipelined' (keep-alive, close)",
        "--proxies direct,nginx|unknown proxy 'nginx' (direct, haproxy, fulcrum, or one of direct, haproxy-http",
        "--proxy-cpu 4096|--client-cpu and --proxy-cpu: 0 to"})
    void aWrongCommandLineIsAUsageErrorBeforeAnythingIsSetUp(final String args, final String message)
    {
        final String[] run = harness(args.split(" "));

        assertEquals("2", run[0], run[2]);
        assertTrue(run[2].contains(message), run[2]);
    }

    @Test
    void theHaproxyConfigsPassHaproxysOwnCheck(@TempDir final Path dir) throws Exception
    {
        SystemRequirements.requireProgram(Haproxy.PROGRAM);
        for (final String mode : List.of("http", "tcp"))
        {
            final Path file = dir.resolve(mode + ".cfg");
            Files.writeString(file, Haproxy.config(mode));
            final var check = Commands.run(java.time.Duration.ofSeconds(10),
                List.of(Haproxy.PROGRAM, "-c", "-f", file.toString()));
            assertTrue(check.succeeded(), mode + ": " + check.stdout() + check.stderr());
            assertFalse((check.stdout() + check.stderr()).contains("WARNING"), check.stdout() + check.stderr());
        }
    }

    @Test
    void theNginxConfigPassesNginxsSyntaxCheck(@TempDir final Path dir) throws Exception
    {
        SystemRequirements.requireProgram(NginxBackends.PROGRAM);
        final Path file = dir.resolve("nginx.conf");
        Files.writeString(file, NginxBackends.config(dir));
        final var check = Commands.run(java.time.Duration.ofSeconds(10), List.of(NginxBackends.PROGRAM, "-t", "-p",
            dir.toString(), "-e", dir.resolve("error.log").toString(), "-c", file.toString()));

        // the syntax only: nginx -t also binds the listeners, and the backend addresses exist in their namespace alone
        assertTrue((check.stdout() + check.stderr()).contains("syntax is ok"), check.stdout() + check.stderr());
    }

    @Test
    void theFulcrumConfigPassesFulcrumsOwnStrictLoader(@TempDir final Path dir) throws Exception
    {
        assumeTrue(ProxyHarnessSmokeTest.FULCRUM_PROXY_WIRED, "the daemon does not read proxied services yet");
        for (final String mode : List.of("http", "tcp"))
        {
            final Path file = dir.resolve(mode + ".yaml");
            Files.writeString(file, FulcrumProxy.config(mode, "io_uring", 1, dir.resolve("counters")));
            final FulcrumConfig config = ConfigLoader.load(file);
            assertEquals(2, config.backendCount());
            assertEquals(List.of(), config.dataplane().interfaces());
        }
    }
}
