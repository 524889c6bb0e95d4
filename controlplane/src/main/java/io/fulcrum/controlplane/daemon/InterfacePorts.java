package io.fulcrum.controlplane.daemon;

import java.util.ArrayList;
import java.util.List;

import io.fulcrum.controlplane.config.PacketIo;
import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.port.Port;
import io.fulcrum.dataplane.port.afpacket.AfPacketPort;
import io.fulcrum.dataplane.port.afpacket.AfPacketSettings;
import io.fulcrum.dataplane.port.afxdp.AfXdpPort;
import io.fulcrum.dataplane.port.afxdp.AfXdpSettings;
import io.fulcrum.dataplane.port.afxdp.AfXdpUnavailableException;
import io.fulcrum.dataplane.port.afxdp.XdpProgram;

/**
 * The ports of one interface, one per worker, opened with the configured packet I/O: AF_XDP (an XDP program steers
 * the services' traffic to one socket per receive queue and passes the rest of a VIP's to the host) or AF_PACKET (a fanout group spreads flows over the workers' sockets,
 * and an nftables table keeps the kernel from answering VIP traffic). {@code auto} tries AF_XDP and falls back to
 * AF_PACKET, saying why. Closing releases everything, in reverse order.
 */
final class InterfacePorts implements AutoCloseable
{
    private final String interfaceName;
    private final String mode;
    private final List<Port> ports;
    private final XdpProgram program;
    private final KernelVipFilter filter;
    private List<Service> filtered = List.of();

    private InterfacePorts(final String interfaceName, final String mode, final List<Port> ports,
        final XdpProgram program, final KernelVipFilter filter)
    {
        this.interfaceName = interfaceName;
        this.mode = mode;
        this.ports = ports;
        this.program = program;
        this.filter = filter;
    }

    static InterfacePorts open(final String interfaceName, final PacketIo packetIo, final int workers,
        final int fanoutGroup, final List<Service> services, final EventLog log)
    {
        if (packetIo != PacketIo.AF_PACKET)
        {
            try
            {
                return openAfXdp(interfaceName, workers, services);
            }
            catch (final AfXdpUnavailableException e)
            {
                if (packetIo == PacketIo.AF_XDP)
                {
                    throw e;
                }
                log.event("af-xdp-unavailable", "AF_XDP unavailable on " + interfaceName + " (" + e.getMessage()
                    + "); using AF_PACKET", "interface", interfaceName);
            }
        }
        return openAfPacket(interfaceName, workers, fanoutGroup, services);
    }

    private static InterfacePorts openAfXdp(final String interfaceName, final int workers, final List<Service> services)
    {
        final XdpProgram program = XdpProgram.attach(interfaceName, XdpProgram.MODE_AUTO);
        final List<Port> ports = new ArrayList<>();
        KernelVipFilter filter = null;
        try
        {
            program.steer(services);
            filter = KernelVipFilter.install(services);
            for (int queue = 0; queue < workers; queue++)
            {
                ports.add(AfXdpPort.open(AfXdpSettings.defaults(interfaceName).withQueueId(queue).withProgram(program)));
            }
            final InterfacePorts opened = new InterfacePorts(interfaceName, "af_xdp", ports, program, filter);
            opened.filtered = services;
            return opened;
        }
        catch (final RuntimeException e)
        {
            ports.forEach(Port::close);
            program.close();
            if (filter != null)
            {
                filter.close();
            }
            throw e;
        }
    }

    private static InterfacePorts openAfPacket(final String interfaceName, final int workers, final int fanoutGroup,
        final List<Service> services)
    {
        final KernelVipFilter filter = KernelVipFilter.install(services);
        final List<Port> ports = new ArrayList<>();
        try
        {
            for (int worker = 0; worker < workers; worker++)
            {
                AfPacketSettings settings = AfPacketSettings.defaults(interfaceName);
                if (workers > 1)
                {
                    settings = settings.withFanout(fanoutGroup);
                }
                ports.add(AfPacketPort.open(settings));
            }
            final InterfacePorts opened = new InterfacePorts(interfaceName, "af_packet", ports, null, filter);
            opened.filtered = services;
            return opened;
        }
        catch (final RuntimeException e)
        {
            ports.forEach(Port::close);
            filter.close();
            throw e;
        }
    }

    /**
     * Follows a newly published service list: the XDP program steers the services added by a reload (and stops
     * steering removed ones), and the kernel filter covers exactly the services. Cheap when nothing changed, since
     * it runs on every publish (health changes publish too).
     */
    void follow(final List<Service> services)
    {
        if (program != null)
        {
            program.steer(services);
        }
        if (!sameServiceKeys(filtered, services))
        {
            filter.update(services);
            filtered = services;
        }
    }

    private static boolean sameServiceKeys(final List<Service> a, final List<Service> b)
    {
        if (a.size() != b.size())
        {
            return false;
        }
        for (int i = 0; i < a.size(); i++)
        {
            final Service x = a.get(i);
            final Service y = b.get(i);
            if (!x.vip().equals(y.vip()) || x.port() != y.port() || x.protocol() != y.protocol())
            {
                return false;
            }
        }
        return true;
    }

    List<Port> ports()
    {
        return ports;
    }

    String mode()
    {
        return mode;
    }

    String interfaceName()
    {
        return interfaceName;
    }

    /** Releases the XDP program and the nftables table; the ports themselves are closed by the data plane. */
    @Override
    public void close()
    {
        if (program != null)
        {
            program.close();
        }
        filter.close();
    }
}
