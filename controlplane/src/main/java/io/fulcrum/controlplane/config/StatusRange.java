package io.fulcrum.controlplane.config;

/** HTTP status codes {@code low} to {@code high}, both included ({@code expect-status: 200-399}). */
public record StatusRange(int low, int high)
{
    /** RFC 9110 section 15: three digits, 100 to 599 in use. */
    public static final int MIN = 100;
    public static final int MAX = 599;

    public StatusRange
    {
        if (low < MIN || high > MAX || low > high)
        {
            throw new IllegalArgumentException("status range must be within " + MIN + "-" + MAX + ", low first: " +
                low + "-" + high);
        }
    }

    public static StatusRange of(final int status)
    {
        return new StatusRange(status, status);
    }

    public boolean contains(final int status)
    {
        return status >= low && status <= high;
    }

    @Override
    public String toString()
    {
        return low == high ? Integer.toString(low) : low + "-" + high;
    }
}
