package io.fulcrum.benchmarks.proxy;

import io.fulcrum.benchmarks.harness.Shell;

/** One GET from the client namespace with curl: whether what wrk will load answers 200 yet. */
final class HttpProbe
{
    private HttpProbe()
    {
    }

    static String url(final String address, final int port)
    {
        return "http://" + address + (port == 80 ? "" : ":" + port) + NginxBackends.PATH;
    }

    static boolean answers(final String url)
    {
        try
        {
            return "200".equals(Shell.checkIn(ProxyTopology.CLIENT_NS, "curl", "-s", "-o", "/dev/null", "-w",
                "%{http_code}", "--max-time", "2", url).strip());
        }
        catch (final RuntimeException e)
        {
            return false; // refused, reset or timed out: not yet
        }
    }
}
