package io.fulcrum.dataplane.agent;

import org.agrona.concurrent.Agent;

import io.fulcrum.dataplane.sys.Affinity;

/** Wraps an agent so that the thread that runs it is pinned to one core when it starts. */
public final class PinnedAgent implements Agent
{
    private final Agent delegate;
    private final int cpu;

    public PinnedAgent(final Agent delegate, final int cpu)
    {
        this.delegate = delegate;
        this.cpu = cpu;
    }

    @Override
    public void onStart()
    {
        Affinity.pinCurrentThread(cpu);
        delegate.onStart();
    }

    @Override
    public int doWork() throws Exception
    {
        return delegate.doWork();
    }

    @Override
    public void onClose()
    {
        delegate.onClose();
    }

    @Override
    public String roleName()
    {
        return delegate.roleName() + "@cpu" + cpu;
    }
}
