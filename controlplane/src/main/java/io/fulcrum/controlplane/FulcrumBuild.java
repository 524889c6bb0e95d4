package io.fulcrum.controlplane;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What this build of Fulcrum is: the version Maven stamped into the jar, or on the appliance image the image's
 * release ({@code -Dfulcrum.version}, set by its launcher from /usr/lib/fulcrum/VERSION).
 */
public final class FulcrumBuild
{
    private static final String POM_PROPERTIES = "/META-INF/maven/io.fulcrum/fulcrum-controlplane/pom.properties";
    /** The appliance image stamps its release here (the image's version, which may differ from the jar's). */
    public static final String VERSION_PROPERTY = "fulcrum.version";
    private static final String VERSION = System.getProperty(VERSION_PROPERTY, readVersion());

    private FulcrumBuild()
    {
    }

    public static String version()
    {
        return VERSION;
    }

    private static String readVersion()
    {
        try (InputStream in = FulcrumBuild.class.getResourceAsStream(POM_PROPERTIES))
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
