package io.fulcrum.controlplane.config;

import java.util.List;
import java.util.Objects;

/**
 * A valid configuration with what {@link ConfigLoader#check} found odd in it; warnings never make a file invalid.
 *
 * @param warnings in file order
 */
public record CheckedConfig(FulcrumConfig config, List<ConfigWarning> warnings)
{
    public CheckedConfig
    {
        Objects.requireNonNull(config, "config");
        warnings = List.copyOf(warnings);
    }
}
