package io.fulcrum.controlplane.health;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.util.concurrent.ThreadFactory;

/**
 * The event loop every check runs on, with the channel types that go with it: Linux epoll, or Java NIO where the
 * native transport cannot load.
 *
 * @param name "epoll" or "nio"
 */
record Transport(String name, EventLoopGroup group, Class<? extends SocketChannel> socketChannel,
    Class<? extends DatagramChannel> datagramChannel)
{
    private static final System.Logger LOG = System.getLogger(Transport.class.getName());

    /** One thread: thousands of checks are mostly waiting, and one loop keeps their state free of locks. */
    static Transport oneThread(final ThreadFactory threads, final boolean epollWanted)
    {
        if (epollWanted && Epoll.isAvailable())
        {
            return new Transport("epoll", new MultiThreadIoEventLoopGroup(1, threads, EpollIoHandler.newFactory()),
                EpollSocketChannel.class, EpollDatagramChannel.class);
        }
        if (epollWanted)
        {
            LOG.log(System.Logger.Level.WARNING, "health checks use Java NIO: the epoll transport is not available: {0}",
                String.valueOf(Epoll.unavailabilityCause()));
        }
        return new Transport("nio", new MultiThreadIoEventLoopGroup(1, threads, NioIoHandler.newFactory()),
            NioSocketChannel.class, NioDatagramChannel.class);
    }
}
