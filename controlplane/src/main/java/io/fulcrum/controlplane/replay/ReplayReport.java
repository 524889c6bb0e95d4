package io.fulcrum.controlplane.replay;

import java.io.PrintWriter;
import java.util.List;

import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.replay.PcapReplay;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CounterType;
import io.fulcrum.dataplane.stats.DropReason;

/** Prints a replay's summary as an operator reads it: what came in, where it went, what was dropped and why. */
public final class ReplayReport
{
    private ReplayReport()
    {
    }

    public static void print(final PrintWriter out, final List<Service> services, final PcapReplay.Summary summary)
    {
        final CounterTotals totals = summary.counters();
        out.printf("Frames read: %d, transmitted: %d, passed to host: %d, dropped: %d%n", summary.framesRead(),
            summary.framesTransmitted(), summary.framesPassed(), totals.total(CounterType.WORKER_DROP));
        if (summary.framesTruncated() > 0)
        {
            out.printf("Frames larger than a port frame, skipped: %d%n", summary.framesTruncated());
        }
        for (final Service service : services)
        {
            out.printf("%nService %s (%s:%d/%s, %s): %d packets, %d new flows%n", service.name(),
                endpoint(service), service.port(), service.protocol() == Service.TCP ? "tcp" : "udp",
                service.encapsulation().name().toLowerCase(),
                totals.value(CounterType.SERVICE_PACKETS, service.id()),
                totals.value(CounterType.SERVICE_NEW_FLOWS, service.id()));
            out.printf("  %-40s %10s %10s %10s%n", "backend", "packets", "bytes", "new flows");
            for (final Backend backend : service.backends())
            {
                out.printf("  %-40s %10d %10d %10d%n", IpLiterals.format(backend.address()) + " (weight "
                    + backend.weight() + ")", totals.value(CounterType.BACKEND_PACKETS, backend.id()),
                    totals.value(CounterType.BACKEND_BYTES, backend.id()),
                    totals.value(CounterType.BACKEND_NEW_FLOWS, backend.id()));
            }
        }
        out.printf("%nDrops by reason:%n");
        for (int reason = 0; reason < DropReason.FIRST_PORT_REASON; reason++) // a replay's port loses nothing
        {
            out.printf("  %-22s %10d%n", DropReason.name(reason), totals.value(CounterType.WORKER_DROP, reason));
        }
        out.printf("ICMP too-big replies sent: %d; flows evicted (table full): %d%n",
            totals.total(CounterType.WORKER_ICMP_TOO_BIG_SENT), totals.total(CounterType.WORKER_FLOW_EVICTIONS));
    }

    private static String endpoint(final Service service)
    {
        final String address = IpLiterals.format(service.vip());
        return address.contains(":") ? "[" + address + "]" : address;
    }
}
