package io.fulcrum.vrrp;

/**
 * A snapshot of one instance's counters. {@code rejected[code]} counts the adverts dropped for each
 * {@link AdvertReject} code on the instance's socket (shared by the instances on one interface and family, so a VRID
 * that is configured on none of them counts once per socket).
 */
public record VrrpCounters(
    long advertsSent,
    long advertsReceived,
    long sendErrors,
    long becameMaster,
    long announcementsSent,
    long[] rejected)
{
    public long rejected(final int code)
    {
        return rejected[code];
    }

    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder("sent=" + advertsSent + " received=" + advertsReceived
            + " sendErrors=" + sendErrors + " becameMaster=" + becameMaster + " announcements=" + announcementsSent);
        for (int code = 1; code < rejected.length; code++)
        {
            if (rejected[code] != 0)
            {
                text.append(" rejected.").append(AdvertReject.name(code)).append('=').append(rejected[code]);
            }
        }
        return text.toString();
    }
}
