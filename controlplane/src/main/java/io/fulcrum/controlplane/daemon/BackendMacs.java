package io.fulcrum.controlplane.daemon;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.IpLiterals;
import io.fulcrum.controlplane.config.MacAddresses;
import io.fulcrum.dataplane.balance.Backend;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.sys.Rtnetlink;

/**
 * Fills in each backend's next-hop Ethernet address: the configured one, else the kernel's neighbour entry for the
 * backend on the data-plane interface (resolved by ARP / neighbour discovery when absent). Backends are on the
 * appliance's LAN in a one-arm direct-server-return deployment; one that cannot be resolved stays at 00:00:00:00:00:00
 * and is reported, so the operator sees why its traffic goes nowhere. {@code resolved} caches answers by backend id
 * across reloads; an unresolved backend is asked again at the next change.
 */
final class BackendMacs
{
    private static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(3);

    private BackendMacs()
    {
    }

    /**
     * @param services {@code config}'s, in its order; those of a proxied mode are returned as they are (the proxy
     *                 connects by address, no next hop to resolve)
     */
    static List<Service> resolve(final FulcrumConfig config, final List<Service> services, final String interfaceName,
        final Map<Integer, Long> resolved, final EventLog log)
    {
        final List<Service> result = new ArrayList<>();
        try (Rtnetlink netlink = Rtnetlink.open())
        {
            for (int i = 0; i < services.size(); i++)
            {
                final Service service = services.get(i);
                if (config.services().get(i).mode().proxied())
                {
                    result.add(service);
                    continue;
                }
                final List<Backend> backends = new ArrayList<>();
                for (final Backend backend : service.backends())
                {
                    if (backend.mac() != MacAddresses.UNRESOLVED)
                    {
                        backends.add(backend);
                        continue;
                    }
                    final Long mac = resolved.computeIfAbsent(backend.id(), id ->
                    {
                        final long found = netlink.resolve(backend.address(), interfaceName, RESOLVE_TIMEOUT).orElse(0);
                        log.event(found == 0 ? "backend-unresolved" : "backend-resolved", "backend "
                            + IpLiterals.format(backend.address()) + " is at " + (found == 0
                            ? "an unknown address (no neighbour answer on " + interfaceName + ")"
                            : MacAddresses.format(found)), "backend", IpLiterals.format(backend.address()));
                        return found == 0 ? null : found; // not cached: asked again next time
                    });
                    backends.add(backend.withMac(mac == null ? 0 : mac));
                }
                result.add(service.withBackends(backends));
            }
        }
        return result;
    }
}
