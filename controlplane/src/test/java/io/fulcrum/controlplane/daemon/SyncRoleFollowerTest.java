package io.fulcrum.controlplane.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;

import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.balance.ForwardingTablePublisher;
import io.fulcrum.dataplane.stats.CountersFile;
import io.fulcrum.dataplane.sync.SyncAgent;
import io.fulcrum.dataplane.sync.SyncCounters;
import io.fulcrum.dataplane.sync.SyncRole;
import io.fulcrum.dataplane.sync.SyncSettings;
import io.fulcrum.dataplane.sync.WorkerSync;
import io.fulcrum.vrrp.VrrpState;

/** Sync follows VRRP: the master sends, the backup receives, and a box that changes state changes role. */
class SyncRoleFollowerTest
{
    @Test
    void theSyncRoleFollowsTheVrrpStateOfThePairsInstances()
    {
        final StringWriter logged = new StringWriter();
        final SyncAgent sync = new SyncAgent(SyncSettings.of(new InetSocketAddress("127.0.0.1", 0),
            new InetSocketAddress("127.0.0.1", 9), new byte[32]), new WorkerSync[0], new ForwardingTablePublisher(),
            new SyncCounters(CountersFile.inMemory(64).manager()), SystemEpochClock.INSTANCE);
        try
        {
            final SyncRoleFollower follower =
                new SyncRoleFollower(sync, new EventLog(new PrintWriter(logged, true), EventLog.Format.HUMAN));
            assertEquals(SyncRole.OFF, roleAfter(sync));

            follower.accept("VI_4", VrrpState.BACKUP);
            follower.accept("VI_6", VrrpState.BACKUP);
            assertEquals(SyncRole.BACKUP, roleAfter(sync));

            follower.accept("VI_4", VrrpState.MASTER); // the sync group moves VI_6 a moment later
            assertEquals(SyncRole.MASTER, roleAfter(sync));
            follower.accept("VI_6", VrrpState.MASTER);
            assertEquals(SyncRole.MASTER, roleAfter(sync));

            follower.accept("VI_4", VrrpState.BACKUP);
            follower.accept("VI_6", VrrpState.BACKUP);
            assertEquals(SyncRole.BACKUP, roleAfter(sync));

            follower.accept("VI_4", VrrpState.INITIALIZE); // stopping
            follower.accept("VI_6", VrrpState.INITIALIZE);
            assertEquals(SyncRole.OFF, roleAfter(sync));
            assertTrue(logged.toString().contains("connection sync: backup -> master"), logged.toString());
        }
        finally
        {
            sync.onClose();
        }
    }

    private static SyncRole roleAfter(final SyncAgent sync)
    {
        sync.doWork();
        return sync.role();
    }
}
