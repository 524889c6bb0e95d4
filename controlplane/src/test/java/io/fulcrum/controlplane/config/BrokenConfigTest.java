package io.fulcrum.controlplane.config;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each file has exactly one thing wrong; the loader must point at it: file, line, column, field, and say what. */
class BrokenConfigTest
{
    /** A valid pool, appended to files whose mistake is elsewhere. */
    private static final String POOL = """
        pools:
          - name: p
            backends:
              - address: 10.0.0.1
        """;

    /** A valid service, prepended to files whose mistake is in the pools. */
    private static final String SERVICE = """
        services:
          - name: web
            vip: 192.0.2.10
            port: 80
            pool: p
        """;

    @TempDir
    Path directory;

    record Broken(String yaml, int line, int column, String field, String phrase)
    {
    }

    static Stream<Named<Broken>> brokenFiles()
    {
        return Stream.of(
            // The document as a whole
            broken("an empty file", "", 1, 1, "", "the file is empty"),
            broken("a file of comments only", "# nothing here\n", 1, 1, "", "the file is empty"),
            broken("a list instead of a mapping", "- a\n- b\n", 1, 1, "",
                "expected a mapping with fields dataplane, proxy, services, pools, api, vrrp, sync, found a list"),
            broken("a bare word instead of a mapping", "hello\n", 1, 1, "", "found 'hello'"),
            broken("an unclosed flow list", "services: [\n", 2, 1, "", "YAML syntax: expected the node content"),
            broken("a tab for indentation", "services:\n\t- name: web\n", 2, 1, "", "YAML syntax: found character '\\t(TAB)' that cannot start any token"),
            broken("a control character", "services: []\npools: [\u0007]\n", 2, 9, "", "character U+0007 is not allowed"),
            broken("two documents", "services: []\n---\npools: []\n", 2, 1, "", "expected a single document"),
            broken("a misspelt section", "servces: []\n", 1, 1, "servces",
                "unknown field 'servces' (expected one of: dataplane, proxy, services, pools, api, vrrp, sync)"),
            // sync
            broken("sync without vrrp", "sync: { local: \"10.200.9.1:7946\", peer: \"10.200.9.2:7946\", key-file: k }\n",
                1, 7, "sync", "sync needs a vrrp section"),
            broken("a sync key too short", "vrrp: []\nsync: { local: \"10.200.9.1:7946\", peer: \"10.200.9.2:7946\", "
                + "key: abcd }\n", 2, 65, "sync.key", "expected at least 32 bytes in hex"),
            broken("sync with neither key nor key-file", "vrrp: []\nsync: { local: \"10.200.9.1:7946\", "
                + "peer: \"10.200.9.2:7946\" }\n", 2, 7, "sync", "expected one of key or key-file"),
            broken("a sync peer without a port", "vrrp: []\nsync: { local: \"10.200.9.1:7946\", peer: 10.200.9.2, "
                + "key-file: k }\n", 2, 41, "sync.peer", "expected ADDRESS:PORT"),
            broken("a sync bandwidth without a unit", "vrrp: []\nsync: { local: \"10.200.9.1:7946\", "
                + "peer: \"10.200.9.2:7946\", key-file: k, max-bandwidth: 10 }\n", 2, 88, "sync.max-bandwidth",
                "expected a rate from 80kbit to 100gbit"),
            broken("a sync ring size not a power of two", "vrrp: []\nsync: { local: \"10.200.9.1:7946\", "
                + "peer: \"10.200.9.2:7946\", key-file: k, ring-size: 3MiB }\n", 2, 84, "sync.ring-size",
                "expected a power of two from 4KiB to 256MiB"),
            broken("vrrp as a mapping", "vrrp: {}\n", 1, 7, "vrrp", "expected a list of VRRP instances"),
            broken("a VRRP instance without a vrid", "vrrp:\n  - { name: VI_1, interface: eth0, virtual-addresses: [10.0.0.1] }\n",
                2, 5, "vrrp[0]", "expected vrid"),
            broken("a VRRP advert interval off the centisecond grid",
                "vrrp:\n  - { name: VI_1, interface: eth0, vrid: 51, advert-interval: 15ms, virtual-addresses: [10.0.0.1] }\n",
                2, 63, "vrrp[0].advert-interval", "in steps of 10ms"),
            broken("a VRRP instance mixing address families",
                "vrrp:\n  - { name: VI_1, interface: eth0, vrid: 51, virtual-addresses: [10.0.0.1, \"fd00::1\"] }\n",
                2, 76, "vrrp[0].virtual-addresses[1]", "one instance carries one address family"),
            broken("a proxied service on a VIP of an instance without accept mode",
                "services:\n  - { name: site, vip: 10.0.0.1, port: 80, mode: http, pool: p }\n"
                    + "pools:\n  - { name: p, backends: [{ address: 10.1.0.1 }] }\n"
                    + "vrrp:\n  - { name: VI_1, interface: eth0, vrid: 51, virtual-addresses: [10.0.0.1/24] }\n",
                6, 5, "vrrp[0].accept", "service site (mode http) listens on 10.0.0.1, which this instance holds: "
                    + "without accept: true its master drops"),
            broken("a proxied service on a VIP of an instance with accept: false",
                "services:\n  - { name: dns, vip: 10.0.0.1, port: 53, protocol: udp, mode: udp, pool: p }\n"
                    + "pools:\n  - { name: p, backends: [{ address: 10.1.0.1 }] }\n"
                    + "vrrp:\n  - { name: VI_1, interface: eth0, vrid: 51, accept: false, virtual-addresses: [10.0.0.1] }\n",
                6, 54, "vrrp[0].accept", "set accept: true"),
            broken("a VRRP accept mode that is not a boolean",
                "vrrp:\n  - { name: VI_1, interface: eth0, vrid: 51, accept: yes, virtual-addresses: [10.0.0.1] }\n",
                2, 54, "vrrp[0].accept", "expected true or false, found 'yes'"),
            broken("a section given twice", "services: []\nservices: []\n", 2, 1, "services",
                "duplicate key 'services' (first given at line 1)"),
            broken("a list as a field name", "? [a]\n: 1\n", 1, 3, "", "expected a field name, found a list"),
            // api
            broken("an api without tokens", "api: { listen: \"127.0.0.1:9090\" }\n", 1, 6, "api",
                "expected tokens or token-file"),
            broken("an api listen address without a port", "api: { listen: 127.0.0.1, tokens: [aaaaaaaaaaaaaaaaaaaa] }\n",
                1, 16, "api.listen", "expected ADDRESS:PORT"),
            broken("an unbracketed IPv6 listen address", "api: { listen: \"::1:9090\", tokens: [aaaaaaaaaaaaaaaaaaaa] }\n",
                1, 16, "api.listen", "expected ADDRESS:PORT"),
            broken("a short api token", "api:\n  tokens: [secret]\n", 2, 12, "api.tokens[0]",
                "expected a token of at least 16 characters, found one of 6"),
            broken("api tls without a key", "api:\n  token-file: /etc/t\n  tls: { certificate: /etc/c.pem }\n", 3, 8,
                "api.tls", "expected both certificate and key"),
            // dataplane
            broken("dataplane as a number", "dataplane: 5\n", 1, 12, "dataplane", "expected a mapping with fields interfaces"),
            broken("the old name of packet-io", "dataplane:\n  port: auto\n", 2, 3, "dataplane.port",
                "unknown field 'port' (expected one of: interfaces, packet-io, workers"),
            broken("interfaces as a word", "dataplane:\n  interfaces: eth1\n", 2, 15, "dataplane.interfaces",
                "expected a list of interface names"),
            broken("an interface name over IFNAMSIZ", "dataplane:\n  interfaces: [eth1, averyveryverylongname]\n", 2, 22,
                "dataplane.interfaces[1]", "expected a Linux interface name"),
            broken("an interface listed twice", "dataplane:\n  interfaces: [eth1, eth1]\n", 2, 22,
                "dataplane.interfaces[1]", "interface 'eth1' is listed twice"),
            broken("an unknown packet I/O", "dataplane:\n  packet-io: dpdk\n", 2, 14, "dataplane.packet-io",
                "expected one of auto, af_xdp, af_packet, found 'dpdk'"),
            broken("no workers", "dataplane:\n  workers: 0\n", 2, 12, "dataplane.workers",
                "expected an integer from 1 to 1024, found 0"),
            broken("fewer cores than workers", "dataplane:\n  workers: 2\n  cores: [1]\n", 3, 10, "dataplane.cores",
                "expected one CPU per worker (2), found 1"),
            broken("no workers, with cores", "dataplane:\n  workers: 0\n  cores: [1]\n", 2, 12, "dataplane.workers",
                "expected an integer from 1 to 1024, found 0"),
            broken("one core for two workers", "dataplane:\n  workers: 2\n  cores: [1, 1]\n", 3, 14, "dataplane.cores[1]",
                "CPU 1 is given to two workers"),
            broken("an unknown idle mode", "dataplane:\n  idle: sleep\n", 2, 9, "dataplane.idle",
                "expected one of busy-spin, yield, backoff, found 'sleep'"),
            broken("a quoted number", "dataplane:\n  mtu: \"1500\"\n", 2, 8, "dataplane.mtu",
                "found the quoted text \"1500\" (write numbers without quotes)"),
            broken("an MTU below IPv4's minimum", "dataplane:\n  mtu: 500\n", 2, 8, "dataplane.mtu",
                "expected an integer from 576 to 9216, found 500"),
            broken("an empty connection table", "dataplane:\n  connection-table:\n    capacity: 0\n", 3, 15,
                "dataplane.connection-table.capacity", "expected an integer from 1 to 1073741824, found 0"),
            broken("a duration without a unit", "dataplane:\n  connection-table:\n    tcp-timeout: 900\n", 3, 18,
                "dataplane.connection-table.tcp-timeout", "expected a duration with a unit (ms, s, m or h)"),
            broken("a relative connection-table file", "dataplane:\n  connection-table:\n    file: flows\n", 3, 11,
                "dataplane.connection-table.file", "expected an absolute file path"),
            broken("a connection-table file naming a directory", "dataplane:\n  connection-table:\n    file: /dev/shm/\n",
                3, 11, "dataplane.connection-table.file", "expected an absolute file path"),
            broken("persistence that is not a boolean", "dataplane:\n  connection-table:\n    persistent: yes\n", 3, 17,
                "dataplane.connection-table.persistent", "true or false"),
            broken("a zero duration", "dataplane:\n  connection-table:\n    udp-timeout: 0s\n", 3, 18,
                "dataplane.connection-table.udp-timeout", "expected a duration greater than zero, found 0s"),
            broken("a prefix with host bits", "dataplane:\n  encapsulation:\n    ipv4-source: 172.16.0.1/16\n", 3, 18,
                "dataplane.encapsulation.ipv4-source", "host bits are set after the first 16 bits; the network is 172.16.0.0/16"),
            broken("an IPv4 prefix as the IPv6 source", "dataplane:\n  encapsulation:\n    ipv6-source: 10.0.0.0/8\n", 3, 18,
                "dataplane.encapsulation.ipv6-source", "found the IPv4 prefix 10.0.0.0/8"),
            broken("a source without a length", "dataplane:\n  encapsulation:\n    ipv4-source: 172.16.0.0\n", 3, 18,
                "dataplane.encapsulation.ipv4-source", "a prefix is ADDRESS/LENGTH"),
            broken("GUE on port 0", "dataplane:\n  encapsulation:\n    gue-port: 0\n", 3, 15,
                "dataplane.encapsulation.gue-port", "expected an integer from 1 to 65535, found 0"),
            // services
            broken("services as a mapping", "services: {}\n" + POOL, 1, 11, "services",
                "expected a list of services, found a mapping"),
            broken("services left empty", "services:\n" + POOL, 1, 10, "services", "expected a list of services, found nothing"),
            broken("a service as a word", "services:\n  - web\n" + POOL, 2, 5, "services[0]",
                "expected a mapping with fields name, vip, port"),
            broken("a block of text as a VIP", service("vip: |\n      192.0.2.10\n      192.0.2.11") + POOL, 3, 10,
                "services[0].vip", "found '192.0.2.10\\n192.0.2.11\\n'"),
            broken("a service without a VIP", "services:\n  - name: web\n    port: 80\n    pool: p\n" + POOL, 2, 5,
                "services[0].vip", "required field 'vip' is missing (expected an IPv4 or IPv6 address literal)"),
            broken("a VIP given as a DNS name", service("vip: www.example.com") + POOL, 3, 10, "services[0].vip",
                "found 'www.example.com': names are not resolved"),
            broken("a VIP with a leading zero", service("vip: 192.0.2.010") + POOL, 3, 10, "services[0].vip",
                "leading zeros are ambiguous"),
            broken("a VIP that is not IPv6", service("vip: \"2001:db8::zz\"") + POOL, 3, 10, "services[0].vip",
                "'2001:db8::zz': not a valid IPv6 address"),
            broken("a multicast VIP", service("vip: 224.0.0.1") + POOL, 3, 10, "services[0].vip",
                "expected a unicast address, found 224.0.0.1"),
            broken("the unspecified IPv6 address as VIP", service("vip: \"::\"") + POOL, 3, 10, "services[0].vip",
                "expected a unicast address, found ::"),
            broken("a port above 65535", service("port: 70000") + POOL, 4, 11, "services[0].port",
                "expected an integer from 1 to 65535, found 70000"),
            broken("a port by name", service("port: http") + POOL, 4, 11, "services[0].port",
                "expected an integer from 1 to 65535, found 'http'"),
            broken("SCTP", service("protocol: sctp") + POOL, 5, 15, "services[0].protocol", "expected one of tcp, udp, found 'sctp'"),
            broken("GRE forwarding", service("forwarding: gre") + POOL, 5, 17, "services[0].forwarding",
                "expected one of ipip, gue, found 'gre'"),
            broken("a weighted round robin scheduler", service("scheduler: wrr") + POOL, 5, 16, "services[0].scheduler",
                "expected one of maglev, ip-hash, round-robin, least-connections, least-response-time, "
                    + "random-two-choices, found 'wrr'"),
            broken("an unknown mode", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: l7, pool: p }\n" + POOL, 2, 51,
                "services[0].mode", "expected one of dsr, tcp, http, udp, found 'l7'"),
            broken("least-response-time on a dsr service", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, scheduler: least-response-time, pool: p }\n" + POOL, 2, 56,
                "services[0].scheduler", "scheduler least-response-time picks by observed response time, which a dsr service cannot measure (the backend answers the client directly); it works in mode tcp and http"),
            broken("least-response-time on a udp service", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: udp, scheduler: least-response-time, pool: p }\n" + POOL, 2, 67,
                "services[0].scheduler", "which a udp service cannot measure; it works in mode tcp and http"),
            broken("random two choices on a dsr service", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, scheduler: random-two-choices, pool: p }\n" + POOL, 2, 56,
                "services[0].scheduler", "scheduler random-two-choices is not available in mode dsr (the data plane picks new flows by maglev, ip-hash, round-robin or least-connections); it works in mode tcp, http and udp"),
            broken("a udp protocol on a tcp service", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: tcp, protocol: udp, pool: p }\n" + POOL, 2, 66,
                "services[0].protocol", "a service of mode tcp is tcp, found protocol udp"),
            broken("forwarding on a proxied service", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: http, forwarding: gue, pool: p }\n" + POOL, 2, 69,
                "services[0].forwarding", "forwarding applies to mode dsr, not to a service of mode http"),
            broken("a PROXY header on an http service", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: http, proxy-protocol: true, pool: p }\n" + POOL, 2, 73,
                "services[0].proxy-protocol", "proxy-protocol applies to mode tcp, not to a service of mode http"),
            broken("a backend port on a dsr service", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, backend-port: 8080, pool: p }\n" + POOL, 2, 59,
                "services[0].backend-port", "backend-port applies to mode tcp, http and udp, not to a service of mode dsr"),
            broken("routes on a tcp service", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: tcp, routes: [{ path-prefix: /api, pool: p }], pool: p }\n" + POOL, 2, 64,
                "services[0].routes", "routes applies to mode http, not to a service of mode tcp"),
            broken("a route to a pool that does not exist", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: http, routes: [{ path-prefix: /api, pool: q }], pool: p }\n" + POOL, 2, 65,
                "services[0].routes[0].pool", "no pool named 'q' (pools: p)"),
            broken("a route that matches everything", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: http, routes: [{ pool: p }], pool: p }\n" + POOL, 2, 66,
                "services[0].routes[0]", "a route needs host, path-prefix or both"),
            broken("a path prefix without its slash", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: http, routes: [{ path-prefix: api, pool: p }], pool: p }\n" + POOL, 2, 81,
                "services[0].routes[0].path-prefix", "expected a path starting with /, found 'api'"),
            broken("a connect timeout without a unit", "services:\n  - { name: web, vip: 192.0.2.10, port: 80, mode: tcp, connect-timeout: 5, pool: p }\n" + POOL, 2, 73,
                "services[0].connect-timeout", "expected a duration"),
            broken("an unknown proxy transport", "proxy: { transport: nio }\n" + SERVICE + POOL, 1, 21, "proxy.transport",
                "expected one of auto, io_uring, epoll, found 'nio'"),
            broken("one CPU for two event loops", "proxy: { cores: [1, 1] }\n" + SERVICE + POOL, 1, 21, "proxy.cores[1]",
                "CPU 1 is given to two event loops; each event loop needs its own"),
            broken("a Maglev table of 2^16", service("maglev-table-size: 65536") + POOL, 5, 24, "services[0].maglev-table-size",
                "expected a prime number, found 65536 (nearby primes: 65521, 65537)"),
            broken("a Maglev table smaller than the pool", service("maglev-table-size: 2") + """
                pools:
                  - name: p
                    backends: [{ address: 10.0.0.1 }, { address: 10.0.0.2 }, { address: 10.0.0.3 }]
                """, 5, 24, "services[0].maglev-table-size", "at least one slot per backend: 2 slots for 3 backends"),
            broken("a tracked pool that does not exist", "vrrp:\n  - { name: V, interface: eth0, vrid: 1, virtual-addresses: [192.0.2.10], track-pools: [{ pool: q }] }\n" + POOL, 2, 97,
                "vrrp[0].track-pools[0].pool", "no pool named 'q' (pools: p)"),
            broken("a tracked pool with min-healthy 0", "vrrp:\n  - { name: V, interface: eth0, vrid: 1, virtual-addresses: [192.0.2.10], track-pools: [{ pool: p, min-healthy: 0 }] }\n" + POOL, 2, 113,
                "vrrp[0].track-pools[0].min-healthy", "expected an integer from 1 to 65535, found 0"),
            broken("a tracking weight below -254", "vrrp:\n  - { name: V, interface: eth0, vrid: 1, virtual-addresses: [192.0.2.10], track-pools: [{ pool: p, weight: -255 }] }\n" + POOL, 2, 108,
                "vrrp[0].track-pools[0].weight", "expected an integer from -254 to 254, found -255"),
            broken("a tracked pool that could never be healthy", "vrrp:\n  - { name: V, interface: eth0, vrid: 1, virtual-addresses: [192.0.2.10], track-pools: [{ pool: p, min-healthy: 3 }] }\n" + POOL, 2, 113,
                "vrrp[0].track-pools[0].min-healthy", "pool 'p' has 1 backend(s): it could never have 3 healthy"),
            broken("a pool that does not exist", service("pool: q") + POOL, 5, 11, "services[0].pool", "no pool named 'q' (pools: p)"),
            broken("a misspelt service field", service("prot: tcp") + POOL, 5, 5, "services[0].prot",
                "unknown field 'prot' (expected one of: name, vip, port, protocol, mode, forwarding, scheduler, "
                    + "maglev-table-size, pool, backend-port, max-connections, proxy-protocol, retries, connect-timeout, "
                    + "idle-timeout, response-timeout, request-header-timeout, forwarded-headers, routes)"),
            broken("a port given twice", "services:\n  - name: web\n    vip: 192.0.2.10\n    port: 80\n    port: 81\n    pool: p\n" + POOL, 5, 5, "services[0].port",
                "duplicate key 'port' (first given at line 4)"),
            broken("a name with a space", "services:\n  - name: my web\n    vip: 192.0.2.10\n    port: 80\n    pool: p\n" + POOL,
                2, 11, "services[0].name", "expected a name of letters, digits"),
            broken("two services of one name", SERVICE + "  - { name: web, vip: 192.0.2.11, port: 80, pool: p }\n" + POOL,
                6, 13, "services[1].name", "services[0] is already named 'web'"),
            broken("two services on one VIP, port and protocol",
                SERVICE + "  - { name: web2, vip: 192.0.2.10, port: 80, pool: p }\n" + POOL,
                6, 24, "services[1].vip", "services[0] already listens on 192.0.2.10 port 80/tcp"),
            // pools
            broken("two pools of one name", SERVICE + POOL + "  - { name: p, backends: [{ address: 10.0.0.2 }] }\n",
                10, 13, "pools[1].name", "pools[0] is already named 'p'"),
            broken("a pool without backends", SERVICE + "pools:\n  - name: p\n    backends: []\n", 8, 15,
                "pools[0].backends", "a pool needs at least one backend, found an empty list"),
            broken("a pool without a backends field", SERVICE + "pools:\n  - name: p\n", 7, 5,
                "pools[0].backends", "required field 'backends' is missing"),
            broken("a backend twice in a pool",
                SERVICE + "pools:\n  - name: p\n    backends:\n      - address: 10.0.0.1\n      - address: 10.0.0.1\n",
                10, 18, "pools[0].backends[1].address", "10.0.0.1 is already pools[0].backends[0]"),
            broken("a backend without an address",
                SERVICE + "pools:\n  - name: p\n    backends:\n      - weight: 10\n", 9, 9,
                "pools[0].backends[0].address", "required field 'address' is missing"),
            broken("an IPv4-mapped backend",
                SERVICE + "pools:\n  - name: p\n    backends:\n      - address: \"::ffff:10.0.0.1\"\n", 9, 18,
                "pools[0].backends[0].address", "an IPv4-mapped IPv6 address; write the IPv4 address 10.0.0.1"),
            broken("a weight above 65535",
                SERVICE + "pools:\n  - name: p\n    backends:\n      - { address: 10.0.0.1, weight: 70000 }\n", 9, 38,
                "pools[0].backends[0].weight", "expected an integer from 0 to 65535, found 70000"),
            broken("a MAC with dashes",
                SERVICE + "pools:\n  - name: p\n    backends:\n      - { address: 10.0.0.1, mac: 02-00-00-00-00-11 }\n", 9, 35,
                "pools[0].backends[0].mac", "expected a MAC address like 02:00:00:00:00:11"),
            broken("a backend port", SERVICE + "pools:\n  - name: p\n    backends:\n      - { address: 10.0.0.1, port: 8080 }\n",
                9, 30, "pools[0].backends[0].port", "unknown field 'port' (expected one of: address, weight, mac, health-check)"),
            // health checks: the pool's
            broken("the top-level health-checks section, still reserved", "health-checks: {}\n" + SERVICE + POOL, 1, 1,
                "health-checks", "'health-checks' is reserved for health checks"),
            broken("a health check as a word", SERVICE + POOL + "    health-check: tcp\n", 10, 19, "pools[0].health-check",
                "expected a mapping with fields type, port, interval, timeout"),
            broken("a health check without a type", poolCheck("port: 80"), 10, 19, "pools[0].health-check.type",
                "required field 'type' is missing (expected one of tcp, http, https, udp)"),
            broken("an ICMP health check", poolCheck("type: icmp"), 10, 27, "pools[0].health-check.type",
                "expected one of tcp, http, https, udp, found 'icmp'"),
            broken("a TCP check without a port", poolCheck("type: tcp"), 10, 19, "pools[0].health-check.port",
                "required field 'port' is missing (a tcp check needs the port to check"),
            broken("a UDP check without a request", poolCheck("type: udp, port: 53"), 10, 19, "pools[0].health-check.send",
                "required field 'send' is missing"),
            broken("a timeout as long as the interval", poolCheck("type: tcp, port: 80, interval: 1s, timeout: 1s"),
                10, 65, "pools[0].health-check.timeout",
                "expected a timeout shorter than the interval, found timeout 1000 ms and interval 1000 ms"),
            broken("an interval below the default timeout", poolCheck("type: tcp, port: 80, interval: 500ms"),
                10, 52, "pools[0].health-check.interval",
                "expected a timeout shorter than the interval, found timeout 1000 ms (the default) and interval 500 ms"),
            broken("an interval without a unit", poolCheck("type: tcp, port: 80, interval: 2"), 10, 52,
                "pools[0].health-check.interval", "expected a duration with a unit"),
            broken("rise of zero", poolCheck("type: tcp, port: 80, rise: 0"), 10, 48, "pools[0].health-check.rise",
                "expected an integer from 1 to 100, found 0"),
            broken("a path on a TCP check", poolCheck("type: tcp, port: 80, path: /healthz"), 10, 48,
                "pools[0].health-check.path", "'path' applies to http and https checks only; this check is tcp"),
            broken("verify on an HTTP check", poolCheck("type: http, verify: true"), 10, 41, "pools[0].health-check.verify",
                "'verify' applies to https checks only; this check is http"),
            broken("a path without its slash", poolCheck("type: http, path: healthz"), 10, 39, "pools[0].health-check.path",
                "expected a request path starting with '/'"),
            broken("a status range upside down", poolCheck("type: http, expect-status: \"399-200\""), 10, 48,
                "pools[0].health-check.expect-status", "lowest first, found '399-200'"),
            broken("a status that is not HTTP's", poolCheck("type: http, expect-status: [200, 99]"), 10, 54,
                "pools[0].health-check.expect-status[1]", "expected an integer from 100 to 599, found 99"),
            broken("a status as a word", poolCheck("type: http, expect-status: ok"), 10, 48,
                "pools[0].health-check.expect-status", "expected an HTTP status like 200, a range like \"200-399\""),
            broken("verify as yes", poolCheck("type: https, verify: yes"), 10, 42, "pools[0].health-check.verify",
                "expected true or false, found 'yes'"),
            broken("an unknown escape in a UDP request", poolCheck("type: udp, port: 53, send: 'ping\\q'"), 10, 48,
                "pools[0].health-check.send", "unknown escape \\q"),
            broken("a short hexadecimal escape", poolCheck("type: udp, port: 53, send: '\\x4'"), 10, 48,
                "pools[0].health-check.send", "expected two hexadecimal digits after \\x"),
            broken("a character beyond a byte", poolCheck("type: udp, port: 53, send: \"\u20ac\""), 10, 48,
                "pools[0].health-check.send", "found U+20AC"),
            broken("a health check via a way Fulcrum does not know", poolCheck("type: tcp, port: 80, via: tunnel"), 10,
                47, "pools[0].health-check.via", "expected one of encapsulated, direct, found 'tunnel'"),
            broken("a misspelt health check field", poolCheck("type: http, expect_status: 200"), 10, 33,
                "pools[0].health-check.expect_status", "unknown field 'expect_status' (expected one of: type, port"),
            // health checks: a backend's override
            broken("a backend's check without a type in a pool without one",
                SERVICE + "pools:\n  - name: p\n    backends:\n      - { address: 10.0.0.1, health-check: { port: 80 } }\n",
                9, 44, "pools[0].backends[0].health-check.type", "required field 'type' is missing"),
            broken("a backend that turns a TCP check into UDP without a port",
                backendCheck("type: tcp, port: 80", "type: udp, send: ping"), 10, 44,
                "pools[0].backends[0].health-check.port", "required field 'port' is missing (a udp check"),
            broken("a backend's timeout beyond the pool's interval",
                backendCheck("type: tcp, port: 80, interval: 500ms, timeout: 200ms", "timeout: 1s"), 10, 55,
                "pools[0].backends[0].health-check.timeout", "found timeout 1000 ms and interval 500 ms"),
            broken("a backend's path on the pool's TCP check", backendCheck("type: tcp, port: 80", "path: /"), 10, 52,
                "pools[0].backends[0].health-check.path", "'path' applies to http and https checks only; this check is tcp"),
            broken("a pool's wrong check reported once, not again at each backend",
                backendCheck("type: tcp", "rise: 3"), 8, 19, "pools[0].health-check.port",
                "required field 'port' is missing"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenFiles")
    void eachMistakeIsReportedAtItsFieldWithWhatWasExpected(final Broken broken) throws IOException
    {
        final Path file = directory.resolve("fulcrum.yaml");
        Files.writeString(file, broken.yaml());

        final ConfigException refused = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        assertEquals(1, refused.problems().size(), refused::getMessage);
        final ConfigProblem problem = refused.problems().getFirst();
        assertEquals(file, problem.file(), refused::getMessage);
        assertEquals(broken.line() + ":" + broken.column() + " " + broken.field(),
            problem.line() + ":" + problem.column() + " " + problem.field(), refused::getMessage);
        assertTrue(problem.message().contains(broken.phrase()), refused::getMessage);
        assertTrue(refused.getMessage().startsWith(file + ":" + broken.line() + ":" + broken.column() + ": "),
            refused::getMessage);
    }

    private static Named<Broken> broken(final String name, final String yaml, final int line, final int column,
        final String field, final String phrase)
    {
        return Named.of(name, new Broken(yaml, line, column, field, phrase));
    }

    /** {@link #SERVICE} and {@link #POOL} with a health check in flow style on line 10, starting at column 19. */
    private static String poolCheck(final String fields)
    {
        return SERVICE + POOL + "    health-check: { " + fields + " }\n";
    }

    /** A pool with a check (line 8) and one backend with an override (line 10, starting at column 44). */
    private static String backendCheck(final String poolFields, final String backendFields)
    {
        return SERVICE + "pools:\n  - name: p\n    health-check: { " + poolFields + " }\n    backends:\n" +
            "      - { address: 10.0.0.1, health-check: { " + backendFields + " } }\n";
    }

    /** The service of {@link #SERVICE} with its vip or port line replaced, or another line added after port. */
    private static String service(final String line)
    {
        final String vip = line.startsWith("vip:") ? line : "vip: 192.0.2.10";
        final String port = line.startsWith("port:") ? line : "port: 80";
        final String extra = line.startsWith("vip:") || line.startsWith("port:") ? "" : "    " + line + "\n";
        final String pool = line.startsWith("pool:") ? "" : "    pool: p\n";
        return "services:\n  - name: web\n    " + vip + "\n    " + port + "\n" + extra + pool;
    }
}
