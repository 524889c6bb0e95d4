package io.fulcrum.controlplane.health;

import io.fulcrum.controlplane.config.BackendConfig;
import io.fulcrum.controlplane.config.DataplaneModel;
import io.fulcrum.controlplane.config.FulcrumConfig;
import io.fulcrum.controlplane.config.HealthCheckConfig;
import io.fulcrum.controlplane.config.HealthCheckVia;
import io.fulcrum.controlplane.config.PoolConfig;
import io.fulcrum.controlplane.config.ServiceConfig;
import io.fulcrum.dataplane.forward.EncapsulationSettings;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One backend of one pool to check; its identity is {@code (pool, address)}: the same address in two pools is two
 * targets (the pools may check different things).
 *
 * <p>With a {@code tunnel} the check goes the clients' way: a tcp check is a SYN to the VIP at the check's port,
 * encapsulated towards the backend, which must answer from the VIP with a SYN-ACK (un-encapsulated, straight back to
 * this appliance, as direct server return answers clients); a udp check sends its request the same way and expects
 * the reply from the VIP. An http or https check first does that handshake to the VIP through the tunnel, then its
 * request to the backend's own address as a direct check does: both must pass. Without one the check goes to
 * {@code address} itself, which says nothing about the backend's decapsulation or its VIP.
 *
 * @param check  the backend's effective check ({@code BackendConfig.healthCheck()})
 * @param tunnel how an encapsulated check reaches the backend; empty for a direct check
 */
public record HealthTarget(String pool, InetAddress address, HealthCheckConfig check, Optional<Tunnel> tunnel)
{
    public HealthTarget
    {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(tunnel, "tunnel");
    }

    /** A direct check. */
    public HealthTarget(final String pool, final InetAddress address, final HealthCheckConfig check)
    {
        this(pool, address, check, Optional.empty());
    }

    /**
     * Every backend of every pool that has a health check, in file order: what {@link HealthChecker#update} takes. An
     * encapsulated check goes to the VIP of the first dsr service (in file order) that forwards to the pool with a VIP
     * of the backend's address family; a pool that no such service forwards to has no VIP to check (a proxied
     * service connects to the backend's own address, with no tunnel and no VIP on the backend), and its backends are
     * checked direct.
     */
    public static List<HealthTarget> of(final FulcrumConfig config)
    {
        final EncapsulationSettings outer = DataplaneModel.settings(config.dataplane()).encapsulation();
        final List<HealthTarget> targets = new ArrayList<>();
        for (final PoolConfig pool : config.pools())
        {
            for (final BackendConfig backend : pool.backends())
            {
                if (backend.healthCheck().isEmpty())
                {
                    continue;
                }
                final HealthCheckConfig check = backend.healthCheck().get();
                final Optional<Tunnel> tunnel = check.via() == HealthCheckVia.ENCAPSULATED ?
                    tunnel(config, pool.name(), backend.address(), outer) : Optional.empty();
                targets.add(new HealthTarget(pool.name(), backend.address(), check, tunnel));
            }
        }
        return targets;
    }

    private static Optional<Tunnel> tunnel(final FulcrumConfig config, final String pool, final InetAddress backend,
        final EncapsulationSettings outer)
    {
        for (final ServiceConfig service : config.services())
        {
            // The inner source is this appliance's address towards the backend: it must be of the VIP's family.
            if (service.pool().equals(pool) && !service.mode().proxied()
                && service.vip() instanceof Inet4Address == backend instanceof Inet4Address)
            {
                return Optional.of(new Tunnel(service.vip(), service.forwarding(), outer));
            }
        }
        return Optional.empty();
    }
}
