package io.fulcrum.controlplane.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

final class LabDemoTest
{
    @Test
    void theDemoShowsBalancingFlowsThatStayPutAndTheProxysSchedulersThenLeavesNothingBehind()
    {
        LabRequirements.requireLabTools();
        final Lab lab = LabRequirements.testLab(DecapHook.XDP_IN_SERVER);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int exit;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            exit = new LabDemo(lab, out, "auto").run();
        }
        finally
        {
            lab.down();
        }
        final String output = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(output);

        assertEquals(0, exit, output);
        assertTrue(output.contains("6 of 6 requests answered"), output);
        assertTrue(output.contains(LabTopology.VIP4 + "   -> 02:f1:00:00:00:02 (lb1, as it should)"), output);
        assertTrue(output.contains("150 requests, be1 "), output);
        assertTrue(java.util.regex.Pattern.compile("still on their backend: (\\d+) of \\1\\n").matcher(output).find(),
            output);
        for (final String scheduler : ProxyDemo.SCHEDULERS)
        {
            assertTrue(java.util.regex.Pattern.compile("\\n  " + scheduler + " +\\d+ +\\d+ +\\d+ +0\\n")
                .matcher(output).find(), "a row of requests per backend, none failed, under " + scheduler);
        }
        assertTrue(output.contains("be2 slowed down: its server waits 50 ms"), output);
        assertTrue(!output.contains("NOT AS EXPECTED"), output);
        assertEquals(List.of(), lab.existingNamespaces());
    }
}
