package io.fulcrum.controlplane.config;

import io.fulcrum.dataplane.DataplaneSettings;
import io.fulcrum.dataplane.flow.Timeouts;
import io.fulcrum.dataplane.forward.EncapsulationSettings;
import io.fulcrum.dataplane.packet.IpAddresses;

/** Turns the configuration's {@code dataplane} section into the data plane's own settings. */
public final class DataplaneModel
{
    private DataplaneModel()
    {
    }

    public static DataplaneSettings settings(final DataplaneConfig config)
    {
        final ConnectionTableConfig table = config.connectionTable();
        final Timeouts timeouts = new Timeouts(table.tcpTimeout().toMillis(), table.tcpClosingTimeout().toMillis(),
            table.udpTimeout().toMillis(), table.udpTimeout().toMillis());
        final EncapsulationConfig encapsulation = config.encapsulation();
        final Cidr v4 = encapsulation.ipv4Source();
        final Cidr v6 = encapsulation.ipv6Source();
        final EncapsulationSettings outer = new EncapsulationSettings(
            IpAddresses.v4(IpAddresses.lo(v4.address())), v4.prefixLength(),
            IpAddresses.hi(v6.address()), IpAddresses.lo(v6.address()), v6.prefixLength(),
            encapsulation.guePort());
        return new DataplaneSettings(config.batchSize(), table.capacity(), timeouts, outer,
            config.idle().yamlName(), config.cores(), config.mtu());
    }
}
