package io.fulcrum.dataplane.port.afxdp;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.fulcrum.dataplane.sys.Namespaces;

/** A child JVM for the crash test: attaches the program and a port in a namespace, says so, and waits to be killed. */
public final class AttachAndWait
{
    static final String READY = "attached";

    private AttachAndWait()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final AfXdpPortTest.Rig rig = Namespaces.runIn(args[0], () -> AfXdpPortTest.openRigHere(args[1]));
        System.out.println(READY + (rig.program().attached() ? "" : " (not attached)"));
        System.out.flush();
        Thread.sleep(60_000);
    }

    /** The child's first line of output, waiting at most {@code millis}. */
    static String readLine(final Process child, final long millis) throws Exception
    {
        final BufferedReader reader =
            new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() ->
        {
            try
            {
                // skip the JVM's warnings and the port's log lines; the last line read explains a failure
                String text = reader.readLine();
                String last = text;
                while (text != null && !text.startsWith(READY))
                {
                    last = text;
                    text = reader.readLine();
                }
                return text != null ? text : "child exited; last line: " + last;
            }
            catch (final java.io.IOException e)
            {
                return "read failed: " + e.getMessage();
            }
        }).get(millis, TimeUnit.MILLISECONDS);
    }
}
