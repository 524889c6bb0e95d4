package io.fulcrum.controlplane.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import io.fulcrum.controlplane.config.HealthCheckConfig;
import io.fulcrum.controlplane.config.HealthCheckType;
import io.fulcrum.controlplane.config.HealthCheckVia;
import io.fulcrum.controlplane.config.StatusRange;
import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.decap.XdpDecapProgram;
import io.fulcrum.dataplane.forward.EncapsulationSettings;
import io.fulcrum.dataplane.port.afxdp.XdpProgram;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.sys.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Encapsulated checks between network namespaces the test makes: an appliance ({@code lb}, holding the VIP on its
 * LAN port as a VRRP master does) and three backends, each on a veth of its own, all serving HTTP on the wildcard
 * address: {@code good} decapsulates (the data plane's XDP decap program, since this kernel has no ipip devices) and
 * has the VIP on its loopback, {@code nodecap} has the VIP but cannot decapsulate, {@code novip} decapsulates but has
 * not bound the VIP.
 */
class EncapsulatedHealthCheckTest
{
    private static final String REQUIRE_VARIABLE = "FULCRUM_REQUIRE_SYSTEM_TESTS";
    private static final InetAddress VIP4 = InetAddress.ofLiteral("10.231.9.9");
    private static final InetAddress VIP6 = InetAddress.ofLiteral("fd31:9::9");
    private static final InetAddress GOOD = InetAddress.ofLiteral("10.231.1.2");
    private static final InetAddress GOOD6 = InetAddress.ofLiteral("fd31:1::2");
    private static final InetAddress NODECAP = InetAddress.ofLiteral("10.231.2.2");
    private static final InetAddress NOVIP = InetAddress.ofLiteral("10.231.3.2");
    private static final int HTTP = 8080;
    private static final int CLOSED = 8081;
    private static final int ECHO = 7007;
    private static final Duration WAIT = Duration.ofSeconds(15);

    private final String prefix = "fhc" + ProcessHandle.current().pid() % 100_000;
    private final List<String> namespaces = new ArrayList<>();
    private final List<AutoCloseable> held = Collections.synchronizedList(new ArrayList<>());
    private HealthChecker checker;

    @BeforeEach
    void makeTheNamespaces() throws Exception
    {
        require(Privileges.isRoot(), "this test needs root (network namespaces, XDP, raw sockets)");
        require(ipWorks(), "this test needs iproute2's 'ip'");
        final String lb = namespace("lb");
        backend(lb, "good", 1, true, true);
        backend(lb, "nodecap", 2, false, true);
        backend(lb, "novip", 3, true, false);
        // The appliance holds the VIPs as the VRRP master does: a reply from them is a martian to its kernel.
        ip("-n", lb, "addr", "add", VIP4.getHostAddress() + "/32", "dev", "b1");
        ip("-n", lb, "-6", "addr", "add", "fd31:9::9/128", "dev", "b1", "nodad", "preferred_lft", "0");
        checker = new HealthChecker((pool, address, state, reason) -> { }, Clock.systemUTC(), true, lb);
    }

    @AfterEach
    void removeThem()
    {
        if (checker != null)
        {
            checker.close();
        }
        synchronized (held)
        {
            for (final AutoCloseable resource : held)
            {
                try
                {
                    resource.close();
                }
                catch (final Exception e)
                {
                    // removing the namespace below takes what is left
                }
            }
        }
        for (final String namespace : namespaces)
        {
            run("ip", "netns", "del", namespace);
        }
    }

    @Test
    void aBackendThatCannotDecapsulateOrHasNoVipFailsTheEncapsulatedCheckAndPassesTheDirectOne() throws Exception
    {
        final Tunnel ipip = tunnel(VIP4, Encapsulation.IPIP);
        checker.update(List.of(
            new HealthTarget("encapsulated", GOOD, check(HealthCheckType.TCP, HTTP), Optional.of(ipip)),
            new HealthTarget("encapsulated", NODECAP, check(HealthCheckType.TCP, HTTP), Optional.of(ipip)),
            new HealthTarget("encapsulated", NOVIP, check(HealthCheckType.TCP, HTTP), Optional.of(ipip)),
            new HealthTarget("direct", GOOD, check(HealthCheckType.TCP, HTTP).via(HealthCheckVia.DIRECT)),
            new HealthTarget("direct", NODECAP, check(HealthCheckType.TCP, HTTP).via(HealthCheckVia.DIRECT)),
            new HealthTarget("direct", NOVIP, check(HealthCheckType.TCP, HTTP).via(HealthCheckVia.DIRECT))));

        awaitState("encapsulated", GOOD, HealthState.UP);
        awaitState("encapsulated", NODECAP, HealthState.DOWN);
        awaitState("encapsulated", NOVIP, HealthState.DOWN);
        awaitState("direct", GOOD, HealthState.UP);
        awaitState("direct", NODECAP, HealthState.UP);
        awaitState("direct", NOVIP, HealthState.UP);
        assertEquals("SYN-ACK from 10.231.9.9:8080 through ipip", lastDetail("encapsulated", GOOD));
        assertEquals("timeout after 250 ms waiting for the SYN-ACK from 10.231.9.9:8080 through ipip",
            lastDetail("encapsulated", NODECAP));
        assertEquals("connected", lastDetail("direct", NODECAP));
    }

    @Test
    void everyKindOfCheckPassesThroughEveryEncapsulationOfADecapsulatingBackend() throws Exception
    {
        final HealthCheckConfig udp = new HealthCheckConfig(HealthCheckType.UDP, ECHO, Duration.ofMillis(300),
            Duration.ofMillis(250), 1, 1, "/", List.of(StatusRange.of(200)), Optional.empty(), Optional.empty(), false,
            "ping", Optional.of("pong"), HealthCheckVia.ENCAPSULATED);
        checker.update(List.of(
            new HealthTarget("gue", GOOD, check(HealthCheckType.TCP, HTTP), Optional.of(tunnel(VIP4, Encapsulation.GUE))),
            new HealthTarget("ipv6", GOOD6, check(HealthCheckType.TCP, HTTP), Optional.of(tunnel(VIP6, Encapsulation.IPIP))),
            new HealthTarget("http", GOOD, check(HealthCheckType.HTTP, HTTP), Optional.of(tunnel(VIP4, Encapsulation.IPIP))),
            new HealthTarget("udp", GOOD, udp, Optional.of(tunnel(VIP4, Encapsulation.IPIP))),
            new HealthTarget("closed", GOOD, check(HealthCheckType.TCP, CLOSED),
                Optional.of(tunnel(VIP4, Encapsulation.IPIP)))));

        awaitState("gue", GOOD, HealthState.UP);
        awaitState("ipv6", GOOD6, HealthState.UP);
        awaitState("http", GOOD, HealthState.UP);
        awaitState("udp", GOOD, HealthState.UP);
        awaitState("closed", GOOD, HealthState.DOWN);
        assertEquals("SYN-ACK from 10.231.9.9:8080 through gue", lastDetail("gue", GOOD));
        assertEquals("SYN-ACK from [fd31:9::9]:8080 through ipip", lastDetail("ipv6", GOOD6));
        assertEquals("HTTP 200; SYN-ACK from 10.231.9.9:8080 through ipip", lastDetail("http", GOOD));
        assertEquals("reply of 9 bytes from 10.231.9.9:7007 through ipip matches", lastDetail("udp", GOOD));
        assertEquals("connection refused: RST from 10.231.9.9:8081 through ipip", lastDetail("closed", GOOD));
    }

    private static Tunnel tunnel(final InetAddress vip, final Encapsulation encapsulation)
    {
        return new Tunnel(vip, encapsulation, EncapsulationSettings.defaults());
    }

    private static HealthCheckConfig check(final HealthCheckType type, final int port)
    {
        return new HealthCheckConfig(type, port, Duration.ofMillis(300), Duration.ofMillis(250), 1, 1, "/",
            List.of(StatusRange.of(200)), Optional.empty(), Optional.empty(), false, "", Optional.empty(),
            HealthCheckVia.ENCAPSULATED);
    }

    /**
     * A backend namespace on its own veth to the appliance's: 10.231.N.2/24 (and fd31:N::2/64) facing 10.231.N.1 on
     * the appliance's bN, an HTTP server on the wildcard address, with or without decapsulation and the VIPs.
     */
    private void backend(final String lb, final String name, final int n, final boolean decapsulates,
        final boolean bindsTheVip) throws Exception
    {
        final String ns = namespace(name);
        ip("-n", lb, "link", "add", "b" + n, "type", "veth", "peer", "name", "lan0", "netns", ns);
        ip("-n", lb, "addr", "add", "10.231." + n + ".1/24", "dev", "b" + n);
        ip("-n", lb, "-6", "addr", "add", "fd31:" + n + "::1/64", "dev", "b" + n, "nodad");
        ip("-n", lb, "link", "set", "b" + n, "up");
        ip("-n", ns, "addr", "add", "10.231." + n + ".2/24", "dev", "lan0");
        ip("-n", ns, "-6", "addr", "add", "fd31:" + n + "::2/64", "dev", "lan0", "nodad");
        ip("-n", ns, "link", "set", "lan0", "up");
        // What a direct-server-return backend sets: no ARP answers for the VIP on its loopback, no VIP as ARP source.
        run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.conf.all.arp_ignore=1",
            "net.ipv4.conf.all.arp_announce=2");
        if (bindsTheVip)
        {
            ip("-n", ns, "addr", "add", VIP4.getHostAddress() + "/32", "dev", "lo");
            ip("-n", ns, "-6", "addr", "add", "fd31:9::9/128", "dev", "lo", "nodad");
        }
        final InetAddress own = InetAddress.ofLiteral("10.231." + n + ".2");
        final InetAddress own6 = InetAddress.ofLiteral("fd31:" + n + "::2");
        Namespaces.runIn(ns, () ->
        {
            if (decapsulates)
            {
                final XdpDecapProgram decap = XdpDecapProgram.attach("lan0", XdpProgram.MODE_AUTO,
                    EncapsulationSettings.DEFAULT_GUE_PORT);
                held.add(decap);
                decap.addLocalAddress(own);
                decap.addLocalAddress(own6);
            }
            // The JDK's HTTP server on the wildcard address, answering 200 to every path.
            final HttpServer http = HttpServer.create(new InetSocketAddress(HTTP), 16);
            http.createContext("/", exchange ->
            {
                final byte[] body = name.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            http.start();
            held.add(() -> http.stop(0));
            if (bindsTheVip)
            {
                // A UDP server of a DSR service answers from the VIP: bound to it, not to the wildcard.
                final DatagramSocket echo = new DatagramSocket(new InetSocketAddress(VIP4, ECHO));
                held.add(echo);
                Thread.ofPlatform().daemon().name("echo-" + name).start(() -> pong(echo));
            }
            return null;
        });
    }

    private static void pong(final DatagramSocket socket)
    {
        final byte[] buffer = new byte[512];
        final byte[] pong = "pong from".getBytes(StandardCharsets.US_ASCII);
        while (!socket.isClosed())
        {
            try
            {
                final DatagramPacket request = new DatagramPacket(buffer, buffer.length);
                socket.receive(request);
                socket.send(new DatagramPacket(pong, pong.length, request.getSocketAddress()));
            }
            catch (final IOException e)
            {
                // closed
            }
        }
    }

    private String namespace(final String role)
    {
        final String name = prefix + role;
        run("ip", "netns", "del", name); // one a killed run of this test left
        ip("netns", "add", name);
        namespaces.add(name);
        ip("-n", name, "link", "set", "lo", "up");
        return name;
    }

    private void awaitState(final String pool, final InetAddress address, final HealthState state)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline)
        {
            final HealthStatus status = checker.status(pool, address);
            if (status != null && status.state() == state)
            {
                return;
            }
            Thread.sleep(20);
        }
        fail(pool + " " + address.getHostAddress() + " is not " + state + " after " + WAIT + ": " +
            checker.status(pool, address));
    }

    private String lastDetail(final String pool, final InetAddress address)
    {
        final List<HealthStatus.Result> history = checker.status(pool, address).history();
        assertTrue(!history.isEmpty(), "no result yet");
        return history.getLast().detail();
    }

    private static boolean ipWorks()
    {
        return run("ip", "-V") == 0;
    }

    private static void ip(final String... arguments)
    {
        final List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(arguments));
        final int status = run(command.toArray(new String[0]));
        if (status != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " failed with status " + status);
        }
    }

    private static int run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        }
        catch (final IOException e)
        {
            return -1;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void require(final boolean met, final String why)
    {
        if (!met && "1".equals(System.getenv(REQUIRE_VARIABLE)))
        {
            fail(why + ", and " + REQUIRE_VARIABLE + "=1 forbids skipping it");
        }
        assumeTrue(met, why);
    }
}
