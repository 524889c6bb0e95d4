package io.fulcrum.vrrp;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The RFC's virtual MAC (00-00-5E-00-01-{VRID}, RFC 9568 section 7.3), which keepalived gives through a macvlan
 * interface ({@code use_vmac}). Not implemented yet: an instance that asks for it is refused at start, saying whether
 * the kernel could do it at all. Without it the Master answers ARP with its own MAC, and the gratuitous ARPs it sends
 * on taking over move the neighbours' caches (keepalived's default too).
 */
final class VirtualMac
{
    private VirtualMac()
    {
    }

    static void refuseWithoutMacvlan(final VrrpSettings instance)
    {
        if (!kernelHasMacvlan())
        {
            throw new UnsupportedOperationException(instance.name() + ": use_vmac needs a macvlan interface, and this"
                + " kernel has no macvlan (no /sys/module/macvlan and no macvlan module); turn useVirtualMac off:"
                + " gratuitous ARP moves the address without it");
        }
        throw new UnsupportedOperationException(instance.name() + ": the virtual MAC (macvlan) is not implemented"
            + " in Fulcrum yet; turn useVirtualMac off: gratuitous ARP moves the address without it");
    }

    static boolean kernelHasMacvlan()
    {
        if (Files.isDirectory(Path.of("/sys/module/macvlan")))
        {
            return true;
        }
        final String release = System.getProperty("os.version", "");
        final Path modules = Path.of("/lib/modules", release, "kernel/drivers/net");
        return Files.exists(modules.resolve("macvlan.ko")) || Files.exists(modules.resolve("macvlan.ko.xz"))
            || Files.exists(modules.resolve("macvlan.ko.zst"));
    }
}
