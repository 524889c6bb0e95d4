package io.fulcrum.vrrp;

/** The states of RFC 9568 section 6.4, and FAULT as keepalived names a tracked failure that keeps the router out. */
public enum VrrpState
{
    INITIALIZE("INIT"),
    BACKUP("BACKUP"),
    MASTER("MASTER"),
    FAULT("FAULT");

    private final String operatorName;

    VrrpState(final String operatorName)
    {
        this.operatorName = operatorName;
    }

    /** The upper-case name keepalived prints and passes to notify programs. */
    public String operatorName()
    {
        return operatorName;
    }
}
