package io.fulcrum.benchmarks.failover;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

import io.fulcrum.controlplane.lab.DecapHook;
import io.fulcrum.controlplane.lab.Lab;
import io.fulcrum.controlplane.lab.LabBackendServer;
import io.fulcrum.controlplane.lab.LabTopology;
import io.fulcrum.controlplane.lab.UdpProbe;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.Namespaces;
import io.fulcrum.dataplane.sys.Rtnetlink;
import io.fulcrum.dataplane.sys.Scheduling;
import io.fulcrum.vrrp.Advert;
import io.fulcrum.vrrp.AdvertReject;
import io.fulcrum.vrrp.VridSet;
import io.fulcrum.vrrp.VrrpSocket;

/**
 * Client-visible outage of a VRRP failover, Fulcrum's VRRP beside keepalived 2.2.7, on the same lab, in the same run:
 * a UDP probe from the client to the VIP every millisecond; one second in, the master's LAN port goes down (a dead
 * box); the outage is the longest stretch without answers. Both pairs forward with Fulcrum's data plane; only the
 * VRRP daemon differs, each with its defaults (Fulcrum's virtual MAC on, keepalived's off). Rounds alternate between
 * the two so the machine's noise hits both alike; medians are printed.
 *
 * <p>The outage depends on where in the advert cycle the master dies: the standby's timer started at the last advert
 * it heard, so a kill just before an advert is due costs almost one interval less than one just after. The harness
 * therefore kills at a chosen phase: round {@code r} (0-based) of {@code R} kills {@code (2r+1)/2R} of an interval
 * after an advert of the master heard on the LAN, the same phases for both daemons, so that they compare round by
 * round and their medians compare like with like.
 *
 * <pre>./fulcrum bench failover [-Dfailover.capture=DIR] [ROUNDS [INTERVAL...]]</pre>
 *
 * <p>Intervals default to 1s 100ms 10ms. With {@code -Dfailover.capture=DIR} each round is also captured on the
 * router's LAN port with dumpcap ({@code DIR/ROUND-DAEMON-INTERVAL.pcapng}): the last advert of the old master, the
 * first of the new one, its gratuitous ARP and the first probe the router sends to the new MAC give the timeline.
 */
public final class FailoverHarness
{
    private static final List<Duration> INTERVALS =
        List.of(Duration.ofSeconds(1), Duration.ofMillis(100), Duration.ofMillis(10));
    private static final String USAGE = """
        Usage: ./fulcrum bench failover [-Dfailover.capture=DIR] [ROUNDS [INTERVAL...]]
        ROUNDS per daemon and interval (default 3); INTERVAL: advert intervals as 10ms or 1s (default 1s 100ms 10ms).
        -Dfailover.capture=DIR also writes a pcapng of the router's LAN port per round. Needs root.""";

    private FailoverHarness()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h")))
        {
            System.out.println(USAGE);
            return;
        }
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        final List<Duration> intervals = new ArrayList<>();
        for (int i = 1; i < args.length; i++)
        {
            intervals.add(args[i].endsWith("ms") ? Duration.ofMillis(Long.parseLong(args[i].replace("ms", "")))
                : Duration.ofSeconds(Long.parseLong(args[i].replace("s", ""))));
        }
        if (intervals.isEmpty())
        {
            intervals.addAll(INTERVALS);
        }
        final String capture = System.getProperty("failover.capture");
        final Path state = Files.createTempDirectory("fulcrum-failover-");
        final Lab lab = new Lab(new LabTopology("fo"), state, System.err, DecapHook.XDP_IN_SERVER);
        // Ctrl-C: the hook takes the lab down; a run that ends takes it down itself, and only once.
        final Thread cleanup = new Thread(lab::down, "failover-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        final FailoverTable table = new FailoverTable();
        try
        {
            lab.up();
            for (final Duration interval : intervals)
            {
                final long[][] outages = new long[2][rounds];
                final long[][] afterAdvert = new long[2][rounds];
                for (int round = 0; round < rounds; round++)
                {
                    for (int daemon = 0; daemon < 2; daemon++)
                    {
                        final Path pcap = capture == null ? null : Path.of(capture).resolve((round + 1) + "-"
                            + (daemon == 1 ? "keepalived" : "fulcrum") + "-" + interval.toMillis() + "ms.pcapng");
                        // the middle of the round's share of the cycle: a kill right at an advert could fall between
                        // the IPv4 and the IPv6 instance's adverts, and the sync group follows the earlier timer
                        final long phaseNanos = interval.toNanos() * (2L * round + 1) / (2L * rounds);
                        long[] outage = {-1, -1};
                        for (int attempt = 1; attempt <= 3 && outage[0] < 0; attempt++)
                        {
                            outage = measure(lab, interval, daemon == 1, pcap, phaseNanos);
                        }
                        outages[daemon][round] = outage[0];
                        afterAdvert[daemon][round] = outage[1];
                        System.err.printf("advert %s, %s, round %d (killed %.1f ms after an advert): outage %d ms, "
                            + "%.1f ms from lb1's last advert%n", FailoverTable.text(interval),
                            daemon == 1 ? "keepalived" : "fulcrum", round + 1, phaseNanos / 1e6,
                            outages[daemon][round], afterAdvert[daemon][round] / 1e6);
                    }
                }
                table.add(interval, outages, afterAdvert);
            }
        }
        finally
        {
            lab.down();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        System.out.print(table.render());
    }

    /**
     * One failover: the pair up with this VRRP daemon, probe, kill lb1, then everything back as it was. Returns the
     * outage (ms) and the time from lb1's last advert, as the router heard it, to the first answered probe (ns): the
     * outage depends on where in the advert cycle the kill fell, the second does not (Master_Down_Interval plus the
     * daemon's and the network's own time), so it compares the daemons with less noise. {-1, -1}: not counted.
     */
    private static long[] measure(final Lab lab, final Duration interval, final boolean keepalived, final Path pcap,
        final long phaseNanos) throws Exception
    {
        final AdvertWatch adverts = AdvertWatch.start(lab.topology().node("router").namespace());
        lab.vrrp(interval, keepalived);
        lab.startBalancer("auto");
        Process dumpcap = null;
        try
        {
            if (pcap != null)
            {
                Files.createDirectories(pcap.getParent());
                dumpcap = new ProcessBuilder("ip", "netns", "exec", lab.topology().node("router").namespace(),
                    "dumpcap", "-q", "-i", "eth0", "-w", pcap.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            }
            // the backup has heard a few adverts, and both JVMs are past their start (JIT, first collections)
            Thread.sleep(Math.max(1500, 4 * interval.toMillis()));
            final Duration probeFor = Duration.ofMillis(1000 + 4 * interval.toMillis() + 1000);
            final CompletableFuture<UdpProbe.Result> probe = CompletableFuture.supplyAsync(() ->
            {
                // The probe's sender at real-time priority (below the VRRP threads' 20), as for the reference
                // figures: on 2 cores a normal thread was seen held back 5-15 ms right at the takeover, sending its
                // queued probes late in a burst, which blurs the outage for both daemons.
                Scheduling.setCurrentThread(Scheduling.SCHED_FIFO, 10);
                try
                {
                    return UdpProbe.run(lab.topology().client().namespace(), InetAddress.getByName(LabTopology.VIP4),
                        LabBackendServer.ECHO_PORT, probeFor);
                }
                catch (final Exception e)
                {
                    throw new IllegalStateException(e);
                }
            }, task -> Thread.ofPlatform().name("probe").start(task));
            Thread.sleep(1000);
            // A round counts only when the router sends the VIP's traffic to lb1 at the moment lb1 dies: after a
            // spurious takeover by lb2 (a daemon that stalled at start) the router may still point at lb2, whose data
            // plane forwards too, and the kill would show no outage at all.
            final String owner = vipOwner(lab);
            if (!owner.equals("lb1"))
            {
                System.err.printf("advert %s, %s: round not counted, the router sends the VIP's traffic to %s, not "
                    + "lb1; measuring again%n", FailoverTable.text(interval), keepalived ? "keepalived" : "fulcrum", owner);
                probe.get();
                return new long[] {-1, -1};
            }
            final long logStart = Files.size(lab.logFile(lab.topology().node("lb2")));
            // The link goes down from here, through a netlink socket opened in lb1's namespace beforehand: running
            // ip(8) (what lab kill does) took milliseconds and would move the kill off its phase.
            try (Rtnetlink lb1Links = Namespaces.runIn(lab.topology().node("lb1").namespace(), Rtnetlink::open))
            {
                final int lb1Port = Namespaces.runIn(lab.topology().node("lb1").namespace(),
                    () -> Libc.ifNameToIndex(LabTopology.LAN_INTERFACE));
                final long advert = adverts.next(lab.topology().node("lb1").lan4(),
                    3 * interval.toNanos() + 100_000_000L);
                if (advert == 0)
                {
                    System.err.printf("advert %s: no advert of lb1 heard; measuring again%n",
                        FailoverTable.text(interval));
                    probe.get();
                    return new long[] {-1, -1};
                }
                Scheduling.setCurrentThread(Scheduling.SCHED_FIFO, 10); // on time, as the probe
                try
                {
                    while (System.nanoTime() - advert < phaseNanos)
                    {
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    }
                    lb1Links.setLinkUp(lb1Port, false);
                }
                finally
                {
                    Scheduling.setCurrentThread(Scheduling.SCHED_OTHER, 0);
                }
            }
            final UdpProbe.Result result = probe.get();
            final long outage = result.outageMillis();
            final long lastAdvert = adverts.lastFrom(lab.topology().node("lb1").lan4(), result.outageEndNanos());
            if (!keepalived)
            {
                // where lb2's time went (VrrpAgent logs one line per takeover)
                final String log = Files.readString(lab.logFile(lab.topology().node("lb2")));
                log.substring((int)Math.min(logStart, log.length())).lines()
                    .filter(line -> line.contains("takeover:")).forEach(line -> System.err.println("  lb2 " + line));
            }
            return new long[] {outage, lastAdvert == 0 ? -1 : result.outageEndNanos() - lastAdvert};
        }
        finally
        {
            adverts.close();
            if (dumpcap != null)
            {
                dumpcap.destroy();
                dumpcap.waitFor();
            }
            lab.stopBalancer();
            lab.revive("lb1");
        }
    }

    /**
     * Which balancer the router's frames for the VIP reach: the one whose MAC its neighbour entry holds or, for the
     * virtual MAC (the same on both), the one whose port the LAN's switch has learned it on.
     */
    private static String vipOwner(final Lab lab)
    {
        final String mac = lab.routerNeighbour(LabTopology.VIP4);
        if (mac.isEmpty())
        {
            return "nobody (the router has no entry for the VIP)";
        }
        for (final String balancer : List.of("lb1", "lb2"))
        {
            if (mac.equalsIgnoreCase(lab.macOf(lab.topology().node(balancer))))
            {
                return balancer;
            }
        }
        final String port = lab.switchPortOf(mac.toLowerCase(Locale.ROOT));
        return port.isEmpty() ? "the switch's flooding (" + mac + " not learned)" : port;
    }

    /**
     * Hears the pair's IPv4 adverts (VRID 51) on the router's LAN port, at real-time priority, and keeps when each
     * source's were heard.
     */
    private static final class AdvertWatch implements AutoCloseable
    {
        private final VrrpSocket socket;
        private final Thread thread;
        private final java.util.List<long[]> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile boolean running = true;

        private AdvertWatch(final VrrpSocket socket)
        {
            this.socket = socket;
            this.thread = Thread.ofPlatform().daemon(true).name("advert-watch").start(this::run);
        }

        static AdvertWatch start(final String namespace) throws Exception
        {
            return new AdvertWatch(Namespaces.runIn(namespace, () -> VrrpSocket.open("eth0", 4, true)));
        }

        private void run()
        {
            Scheduling.setCurrentThread(Scheduling.SCHED_FIFO, 10);
            final VridSet vrids = new VridSet().add(51);
            final Advert advert = new Advert();
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined())
            {
                final java.lang.foreign.MemorySegment capture = Libc.errnoSegment(arena);
                final java.lang.foreign.MemorySegment pollFd = arena.allocate(8, 4);
                pollFd.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, socket.fd());
                pollFd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, (short)1);
                while (running)
                {
                    if (Libc.poll(capture, pollFd, 1, 20) <= 0)
                    {
                        continue;
                    }
                    int code;
                    while ((code = socket.receive(vrids, advert)) != VrrpSocket.NOTHING)
                    {
                        if (code == AdvertReject.ACCEPTED)
                        {
                            heard.add(new long[] {System.nanoTime(), advert.sourceLo()});
                        }
                    }
                }
            }
        }

        /** Waits for the next advert from {@code source} and returns when it was heard; 0 if none within the wait. */
        long next(final String source, final long waitNanos) throws Exception
        {
            final long lo = IpAddresses.lo(java.net.InetAddress.getByName(source));
            final int seen = heard.size();
            final long deadline = System.nanoTime() + waitNanos;
            while (System.nanoTime() - deadline < 0)
            {
                for (int i = seen; i < heard.size(); i++)
                {
                    if (heard.get(i)[1] == lo)
                    {
                        return heard.get(i)[0];
                    }
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
            }
            return 0;
        }

        /** When the last advert from {@code source} before {@code beforeNanos} was heard; 0 for none. */
        long lastFrom(final String source, final long beforeNanos) throws Exception
        {
            final long lo = IpAddresses.lo(java.net.InetAddress.getByName(source));
            long last = 0;
            for (final long[] entry : heard)
            {
                if (entry[1] == lo && entry[0] - beforeNanos < 0)
                {
                    last = entry[0];
                }
            }
            return last;
        }

        @Override
        public void close() throws InterruptedException
        {
            running = false;
            thread.join(1_000);
            socket.close();
        }
    }
}
