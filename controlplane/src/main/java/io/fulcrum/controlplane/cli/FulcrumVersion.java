package io.fulcrum.controlplane.cli;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version Maven stamped into the jar (its pom.properties), and the Java runtime, which matters for FFM. */
final class FulcrumVersion implements IVersionProvider
{
    private static final String POM_PROPERTIES = "/META-INF/maven/io.fulcrum/fulcrum-controlplane/pom.properties";

    @Override
    public String[] getVersion()
    {
        return new String[]{
            "fulcrum " + version(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")"};
    }

    static String version()
    {
        try (InputStream in = FulcrumVersion.class.getResourceAsStream(POM_PROPERTIES))
        {
            if (in != null)
            {
                final Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "(unknown version)");
            }
        }
        catch (final IOException e)
        {
            // fall through: a version string is not worth failing for
        }
        return "(development build)";
    }
}
