/**
 * VRRPv3 (RFC 9568, which obsoletes RFC 5798) for IPv4 and IPv6, interoperable with keepalived 2.2.7.
 *
 * <p>For the daemon: build one {@link io.fulcrum.vrrp.VrrpSettings} per {@code vrrp:} instance with
 * {@link io.fulcrum.vrrp.VrrpSettings#builder}, then {@link io.fulcrum.vrrp.VrrpAgent#start} them with a
 * {@link io.fulcrum.vrrp.VrrpListener}; read {@link io.fulcrum.vrrp.VrrpAgent#state} and
 * {@link io.fulcrum.vrrp.VrrpAgent#counters}; feed health in with {@link io.fulcrum.vrrp.VrrpAgent#setPriority},
 * {@link io.fulcrum.vrrp.VrrpAgent#fault} and {@link io.fulcrum.vrrp.VrrpAgent#clearFault};
 * {@link io.fulcrum.vrrp.VrrpAgent#close} stops gracefully (priority 0, addresses removed).
 *
 * <p>Inside: {@link io.fulcrum.vrrp.AdvertCodec} (wire format, receive checks as codes in
 * {@link io.fulcrum.vrrp.AdvertReject}), {@link io.fulcrum.vrrp.VrrpInstance} (the section 6.4 state machine, pure
 * logic), {@link io.fulcrum.vrrp.VrrpSocket} (raw IP socket), {@link io.fulcrum.vrrp.VipOwner} (addresses through
 * rtnetlink, announcements through AF_PACKET), {@link io.fulcrum.vrrp.VrrpAgent} (the dedicated thread).
 */
package io.fulcrum.vrrp;
