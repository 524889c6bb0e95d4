package io.fulcrum.dataplane.port;

import java.lang.foreign.MemorySegment;

/** Where an in-memory port delivers the frames it sends or passes: a capture file, a test's list. */
@FunctionalInterface
public interface FrameSink
{
    FrameSink DISCARD = (memory, offset, length) -> {};

    void accept(MemorySegment memory, long offset, int length);
}
