package io.fulcrum.dataplane.sync;

/** What the sync agent does; follows the appliance's VRRP state. */
public enum SyncRole
{
    /** Neither sends nor receives (VRRP initialising or in fault, or the daemon stopping). */
    OFF,
    /** VRRP master: streams this appliance's flow changes to the standby. */
    MASTER,
    /** VRRP backup: receives the master's flow changes and installs them into every worker's table. */
    BACKUP
}
