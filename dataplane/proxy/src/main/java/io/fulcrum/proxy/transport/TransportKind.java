package io.fulcrum.proxy.transport;

/** Which of Netty's native Linux transports the proxy runs on ({@code proxy.transport}). */
public enum TransportKind
{
    /** io_uring where the kernel and Netty's native library allow it, epoll otherwise. */
    AUTO("auto"),
    IO_URING("io_uring"),
    EPOLL("epoll");

    private final String yamlName;

    TransportKind(final String yamlName)
    {
        this.yamlName = yamlName;
    }

    public String yamlName()
    {
        return yamlName;
    }
}
