package io.fulcrum.controlplane.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One VRRP instance ({@code vrrp:} list entry): which virtual addresses this appliance owns while it is master of
 * {@code vrid} on {@code interfaceName}. One address family per instance (RFC 9568 never mixes them in one advert);
 * instances in one {@code syncGroup} change state together, so an IPv4 and an IPv6 VIP stay on one box;
 * {@code trackPools} lower its priority or take it out while a pool has too few healthy backends.
 */
public record VrrpInstanceConfig(
    String name,
    String interfaceName,
    int vrid,
    int priority,
    Duration advertInterval,
    List<String> virtualAddresses,
    boolean preempt,
    Duration preemptDelay,
    List<InetAddress> unicastPeers,
    Optional<InetAddress> sourceAddress,
    Optional<String> notifyProgram,
    int garpCount,
    Duration garpRefresh,
    boolean virtualMac,
    Optional<String> syncGroup,
    boolean accept,
    List<TrackedPool> trackPools)
{
    public static final int DEFAULT_PRIORITY = 100;
    public static final Duration DEFAULT_ADVERT_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_GARP_COUNT = 5;

    public VrrpInstanceConfig
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(interfaceName, "interfaceName");
        virtualAddresses = List.copyOf(virtualAddresses);
        unicastPeers = List.copyOf(unicastPeers);
        trackPools = List.copyOf(trackPools);
    }
}
