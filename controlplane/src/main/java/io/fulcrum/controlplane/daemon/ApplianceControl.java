package io.fulcrum.controlplane.daemon;

import java.nio.file.Path;
import java.util.List;

import io.fulcrum.dataplane.stats.CounterTotals;

/**
 * What the management API and the status page may ask of and do to a running appliance. The daemon implements it;
 * every method is safe to call from any thread. Backends are named by pool and address, as in the configuration.
 */
public interface ApplianceControl
{
    /** The appliance as a whole: version, uptime, configuration file, packet I/O, workers, VRRP state. */
    Views.Status status();

    /** Whether the appliance does its job: daemon up, every data-plane worker cycling, VRRP MASTER or BACKUP. */
    Views.Health health();

    /** Each service with its backends' current state. */
    List<Views.Service> services();

    /** Every backend of every pool, with its admin state, health, recent health results and counters. */
    List<Views.Backend> backends();

    /** The data plane's counters, summed over workers. */
    CounterTotals counters();

    /**
     * Sets a backend's admin state (enable, drain, disable); applied to the data plane at once.
     *
     * @throws IllegalArgumentException when the pool has no such backend
     */
    void setAdminState(String pool, String address, AdminState state);

    /**
     * Sets a backend's weight (0 to 65535) until the next reload of the file; applied at once.
     *
     * @throws IllegalArgumentException when the pool has no such backend or the weight is out of range
     */
    void setWeight(String pool, String address, int weight);

    /** Reloads the configuration file: validated first, a bad file changes nothing and the result says why. */
    Views.ReloadResult reload();

    /** Validates a configuration text without applying it. */
    Views.ReloadResult validate(String yaml);

    /** The running configuration file's text. */
    String configuration();

    /**
     * Where an upgrade file uploaded through the API is stored before it is installed, or null when this machine
     * cannot be upgraded that way (not the appliance image: no installer).
     */
    Path upgradeUploads();

    /**
     * Hands an upgrade file, its checksum already verified, to the appliance's installer, which writes it into the
     * standby slot and reboots into it on trial (the image's fulcrum-upgrade); returns once the installer started.
     * A signature, when the upload had one, lies beside the file as {@code FILE.sig}.
     */
    Views.Upgrade upgrade(Path file, String sha256);

    /** Both root slots, their versions and which is trusted, as {@code fulcrum upgrade --status} prints them. */
    String upgradeStatus();
}
