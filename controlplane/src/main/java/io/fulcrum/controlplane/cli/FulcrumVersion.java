package io.fulcrum.controlplane.cli;

import io.fulcrum.controlplane.FulcrumBuild;
import picocli.CommandLine.IVersionProvider;

/** The version Maven stamped into the jar, and the Java runtime, which matters for FFM. */
final class FulcrumVersion implements IVersionProvider
{
    @Override
    public String[] getVersion()
    {
        return new String[]{
            "fulcrum " + FulcrumBuild.version(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")"};
    }
}
