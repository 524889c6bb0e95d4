package io.fulcrum.controlplane.api;

import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fulcrum.controlplane.daemon.Views;
import io.fulcrum.dataplane.stats.CounterTotals;
import io.fulcrum.dataplane.stats.CounterType;
import io.fulcrum.dataplane.stats.DropReason;

/**
 * The JSON shape of each view, written field by field rather than by reflection, so the API (and
 * docs/api/openapi.yaml, which describes exactly these fields) changes only when this file does.
 */
final class JsonViews
{
    private final ObjectMapper mapper;

    JsonViews(final ObjectMapper mapper)
    {
        this.mapper = mapper;
    }

    ObjectNode health(final Views.Health health)
    {
        final ObjectNode node = healthVerdict(health.healthy()).put("version", health.version());
        final ArrayNode problems = node.putArray("problems");
        health.problems().forEach(problems::add);
        return node;
    }

    ObjectNode healthVerdict(final boolean healthy)
    {
        return mapper.createObjectNode().put("status", healthy ? "healthy" : "unhealthy");
    }

    ObjectNode upgrade(final Views.Upgrade upgrade)
    {
        return mapper.createObjectNode()
            .put("started", upgrade.started())
            .put("file", upgrade.file())
            .put("sha256", upgrade.sha256())
            .put("detail", upgrade.detail());
    }

    ObjectNode upgradeStatus(final String version, final String slots)
    {
        return mapper.createObjectNode().put("version", version).put("slots", slots);
    }

    ObjectNode status(final Views.Status status)
    {
        final ObjectNode node = mapper.createObjectNode()
            .put("version", status.version())
            .put("started", status.started() == null ? null : status.started().toString())
            .put("uptimeSeconds", status.uptimeSeconds())
            .put("configFile", status.configFile())
            .put("packetIo", status.packetIo())
            .put("workers", status.workers());
        node.set("vrrp", vrrp(status.vrrp()));
        final Views.Sync sync = status.sync();
        node.set("sync", mapper.createObjectNode()
            .put("enabled", sync.enabled())
            .put("role", sync.role())
            .put("peer", sync.peer())
            .put("recordsSent", sync.recordsSent())
            .put("recordsInstalled", sync.recordsInstalled())
            .put("resyncs", sync.resyncs())
            .put("refused", sync.refused())
            .put("ringDropped", sync.ringDropped())
            .put("memoryBytes", sync.memoryBytes())
            .put("maxBytesPerSecond", sync.maxBytesPerSecond()));
        return node;
    }

    ArrayNode vrrp(final List<Views.Vrrp> instances)
    {
        final ArrayNode array = mapper.createArrayNode();
        for (final Views.Vrrp vrrp : instances)
        {
            array.addObject()
                .put("instance", vrrp.instance())
                .put("vrid", vrrp.vrid())
                .put("state", vrrp.state())
                .put("priority", vrrp.priority());
        }
        return array;
    }

    ArrayNode services(final List<Views.Service> services)
    {
        final ArrayNode array = mapper.createArrayNode();
        for (final Views.Service service : services)
        {
            final ObjectNode node = array.addObject()
                .put("name", service.name())
                .put("vip", service.vip())
                .put("port", service.port())
                .put("protocol", service.protocol())
                .put("forwarding", service.forwarding())
                .put("pool", service.pool())
                .put("packets", service.packets())
                .put("bytes", service.bytes())
                .put("newFlows", service.newFlows());
            node.set("backends", backends(service.backends()));
            node.put("mode", service.mode()).put("scheduler", service.scheduler());
            final ObjectNode proxy = node.putObject("proxy");
            service.proxy().forEach(proxy::put);
        }
        return array;
    }

    ArrayNode backends(final List<Views.Backend> backends)
    {
        final ArrayNode array = mapper.createArrayNode();
        for (final Views.Backend backend : backends)
        {
            final ObjectNode node = array.addObject()
                .put("pool", backend.pool())
                .put("address", backend.address())
                .put("weight", backend.weight())
                .put("admin", backend.admin().name().toLowerCase(Locale.ROOT))
                .put("health", backend.health())
                .put("effective", backend.effective());
            final ArrayNode history = node.putArray("history");
            for (final Views.HealthResult result : backend.history())
            {
                history.addObject()
                    .put("at", result.at() == null ? null : result.at().toString())
                    .put("ok", result.ok())
                    .put("millis", result.millis())
                    .put("detail", result.detail());
            }
            node.put("packets", backend.packets())
                .put("bytes", backend.bytes())
                .put("newFlows", backend.newFlows())
                .put("active", backend.active())
                .put("latencyMs", backend.latencyMs())
                .put("ejected", backend.ejected())
                .put("requests", backend.requests());
            responseTimes(node.putObject("responseTimes"), backend.responseTimes());
        }
        return array;
    }

    /** As Prometheus reads a histogram: cumulative buckets by upper bound, the last one {@code "+Inf"}. */
    private static void responseTimes(final ObjectNode node, final Views.ResponseTimes times)
    {
        node.put("count", times.count()).put("sumSeconds", times.sumSeconds());
        final ArrayNode buckets = node.putArray("buckets");
        long cumulative = 0;
        for (int i = 0; i < times.counts().size(); i++)
        {
            cumulative += times.counts().get(i);
            final ObjectNode bucket = buckets.addObject();
            if (i < times.upperBoundsSeconds().size())
            {
                bucket.put("le", times.upperBoundsSeconds().get(i));
            }
            else
            {
                bucket.put("le", "+Inf");
            }
            bucket.put("count", cumulative);
        }
    }

    /** The data plane's totals first (what an operator asks for), then every summed counter row. */
    ObjectNode counters(final CounterTotals totals)
    {
        final ObjectNode node = mapper.createObjectNode();
        node.putObject("totals")
            .put("rxPackets", totals.total(CounterType.WORKER_RX_PACKETS))
            .put("txPackets", totals.total(CounterType.WORKER_TX_PACKETS))
            .put("passedToHost", totals.total(CounterType.WORKER_PASS_PACKETS))
            .put("dropped", totals.total(CounterType.WORKER_DROP))
            .put("flowEvictions", totals.total(CounterType.WORKER_FLOW_EVICTIONS))
            .put("activeFlows", totals.total(CounterType.WORKER_ACTIVE_FLOWS))
            .put("icmpTooBigSent", totals.total(CounterType.WORKER_ICMP_TOO_BIG_SENT))
            .put("busyRatio", busyRatio(totals));
        final ObjectNode drops = node.putObject("drops");
        for (int reason = 0; reason < DropReason.COUNT; reason++)
        {
            drops.put(DropReason.name(reason), totals.value(CounterType.WORKER_DROP, reason));
        }
        final ArrayNode rows = node.putArray("rows");
        for (final CounterTotals.Row row : totals.rows())
        {
            rows.addObject()
                .put("type", row.typeId())
                .put("typeName", CounterType.name(row.typeId()))
                .put("owner", row.ownerId())
                .put("label", row.label())
                .put("value", row.value());
        }
        return node;
    }

    /** Busy duty cycles over all duty cycles since the workers started; 0 before the first cycle. */
    static double busyRatio(final CounterTotals totals)
    {
        final long busy = totals.total(CounterType.WORKER_BUSY_CYCLES);
        final long all = busy + totals.total(CounterType.WORKER_IDLE_CYCLES);
        return all == 0 ? 0.0 : (double)busy / all;
    }

    ObjectNode reload(final Views.ReloadResult result)
    {
        final ObjectNode node = mapper.createObjectNode().put("ok", result.ok());
        final ArrayNode problems = node.putArray("problems");
        result.problems().forEach(problems::add);
        node.put("summary", result.summary());
        return node;
    }

    ObjectNode error(final String error, final String message)
    {
        return mapper.createObjectNode().put("error", error).put("message", message);
    }
}
