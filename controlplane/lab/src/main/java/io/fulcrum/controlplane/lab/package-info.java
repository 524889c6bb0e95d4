/**
 * The virtual lab behind {@code sudo ./fulcrum lab}: network namespaces, veth links and a bridge on this machine,
 * laid out as Fulcrum is deployed, so that a user sees it balance real TCP connections with direct server return.
 *
 * <pre>
 *  fl-client eth0 10.200.1.2 ─── eth1 10.200.1.1  fl-router  eth0 10.200.0.1 ──┐
 *                                                                              │ fl-lan: bridge br0
 *   fl-lb1 eth0 10.200.0.2 + VIPs 10.200.0.100, fd00:200::100 ─────────────────┤ (multicast snooping off)
 *   fl-lb2 eth0 10.200.0.3 ────────────────────────────────────────────────────┤
 *   fl-be1..3 eth0 10.200.0.11-13, VIPs on lo, HTTP server on :80 ─────────────┘
 *  IPv6 alongside: fd00:200:1::/64 (client net), fd00:200::/64 (LAN); MACs 02:f1:00:00:00:HOST.
 * </pre>
 *
 * <ul>
 * <li>{@link io.fulcrum.controlplane.lab.LabCommand} is the picocli {@code lab} command (subcommands up, status,
 *     traffic, kill, revive, down, config, chaos, and the hidden backend); the {@code fulcrum} root command registers it.</li>
 * <li>{@link io.fulcrum.controlplane.lab.Lab} is what the command, the demo, the chaos suite and the tests drive; it
 *     records what it made in {@link io.fulcrum.controlplane.lab.LabState}, so a later process can report on it and
 *     remove it. Its parts: {@code LabNetwork} (namespaces, links, addresses, VIPs), {@code LabBackends} (the
 *     backends' servers and decapsulation), {@code LabBalancers} (lb1 and lb2 running {@code fulcrum run}, with
 *     {@code LabKeepalived} in place of Fulcrum's VRRP when asked), {@code LabInspector} (status, traffic, neighbour
 *     and bridge tables) and {@code LabProcesses} (the processes it starts, their logs and recorded pids).</li>
 * <li>{@link io.fulcrum.controlplane.lab.BackendDecap} prepares each backend for IPIP / IPv6-in-IPv6: kernel tunnel
 *     devices where the kernel has them, otherwise a {@link io.fulcrum.controlplane.lab.DecapHook} (XDP decap).</li>
 * <li>{@link io.fulcrum.controlplane.lab.LabBalancerConfig} renders the pair's Fulcrum configs;
 *     {@link io.fulcrum.controlplane.lab.Lab#startBalancer(String)} is where the live data plane is started.</li>
 * </ul>
 * Every external command runs through {@link io.fulcrum.dataplane.sys.Commands} with a time limit.
 */
package io.fulcrum.controlplane.lab;
