package io.fulcrum.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fulcrum.dataplane.packet.IpAddresses;

/** Each test is a sentence of RFC 9568 section 6 (or a keepalived behaviour operators rely on). */
class VrrpInstanceTest
{
    private static final long MS = 1_000_000L;
    private static final long LOW = IpAddresses.v4Lo(0x0a000001);
    private static final long HIGH = IpAddresses.v4Lo(0x0a000002);

    private long now = 1_000 * MS;
    private final List<String> events = new ArrayList<>();
    private final VrrpInstance.Output output = new VrrpInstance.Output()
    {
        @Override
        public void sendAdvert(final int priority)
        {
            events.add("advert " + priority);
        }

        @Override
        public void addVirtualAddresses()
        {
            events.add("add");
        }

        @Override
        public void removeVirtualAddresses()
        {
            events.add("remove");
        }

        @Override
        public void stateChanged(final VrrpState from, final VrrpState to, final String reason)
        {
            events.add(to.name());
        }

        @Override
        public void lowerPriorityAdvertReceived(final int advertPriority)
        {
            events.add("lower " + advertPriority);
        }
    };

    private VrrpInstance instance(final int priority, final int intervalCs, final boolean preempt,
        final long preemptDelayMs, final long primaryLo)
    {
        return new VrrpInstance("VI_1", priority, intervalCs, preempt, preemptDelayMs * MS, 0, primaryLo,
            () -> now, output);
    }

    private void advance(final VrrpInstance vrrp, final long millis)
    {
        final long end = now + millis * MS;
        while (vrrp.nextDeadlineNanos() <= end)
        {
            now = Math.max(now, vrrp.nextDeadlineNanos());
            vrrp.runTimers();
        }
        now = end;
    }

    @Test
    void skewTimeIsTheShareOfTheMasterAdverIntervalLeftByThePriority()
    {
        final VrrpInstance vrrp = instance(100, 100, true, 0, LOW);
        // ((256 - 100) * 1 s) / 256 = 609.375 ms; Master_Down_Interval = 3 s + Skew_Time
        assertEquals(609_375_000L, vrrp.skewTimeNanos());
        assertEquals(3_609_375_000L, vrrp.masterDownIntervalNanos());
    }

    @Test
    void startupWithPriority255SendsAnAdvertisementAndTransitionsToMaster()
    {
        final VrrpInstance vrrp = instance(255, 100, true, 0, LOW);
        vrrp.startup();
        assertEquals(VrrpState.MASTER, vrrp.state());
        assertEquals(List.of("add", "advert 255", "MASTER"), events);
    }

    @Test
    void startupBelow255SetsTheMasterDownTimerAndTransitionsToBackup()
    {
        final VrrpInstance vrrp = instance(100, 100, true, 0, LOW);
        vrrp.startup();
        assertEquals(VrrpState.BACKUP, vrrp.state());
        assertEquals(now + vrrp.masterDownIntervalNanos(), vrrp.nextDeadlineNanos());
    }

    @Test
    void whenTheMasterDownTimerFiresTheBackupSendsAnAdvertisementAndBecomesMaster()
    {
        final VrrpInstance vrrp = instance(100, 100, true, 0, LOW);
        vrrp.startup();
        advance(vrrp, 3_609);
        assertEquals(VrrpState.BACKUP, vrrp.state());
        advance(vrrp, 1);
        assertEquals(VrrpState.MASTER, vrrp.state());
        assertEquals(List.of("BACKUP", "add", "advert 100", "MASTER"), events);
    }

    @Test
    void aMasterSendsAnAdvertisementEveryAdvertisementInterval()
    {
        final VrrpInstance vrrp = instance(255, 10, true, 0, LOW);
        vrrp.startup();
        events.clear();
        advance(vrrp, 1_000);
        assertEquals(10, events.size());
        assertTrue(events.stream().allMatch("advert 255"::equals));
    }

    @Test
    void aBackupThatHearsTheMasterResetsItsMasterDownTimerAndStaysBackup()
    {
        final VrrpInstance vrrp = instance(100, 100, true, 0, LOW);
        vrrp.startup();
        for (int i = 0; i < 10; i++)
        {
            advance(vrrp, 1_000);
            vrrp.advertReceived(150, 100, 0, HIGH);
        }
        assertEquals(VrrpState.BACKUP, vrrp.state());
    }

    @Test
    void aBackupLearnsTheMastersAdverIntervalAndTimesOutOnIt()
    {
        final VrrpInstance vrrp = instance(100, 100, true, 0, LOW);
        vrrp.startup();
        vrrp.advertReceived(150, 10, 0, HIGH);
        assertEquals(10, vrrp.masterAdverIntervalCs());
        // 3 * 100 ms + (156 * 100 ms) / 256 = 360.9375 ms
        assertEquals(360_937_500L, vrrp.masterDownIntervalNanos());
        advance(vrrp, 360);
        assertEquals(VrrpState.BACKUP, vrrp.state());
        advance(vrrp, 1);
        assertEquals(VrrpState.MASTER, vrrp.state());
    }

    @Test
    void anAdvertisementWithPriorityZeroMakesTheBackupTakeOverAfterSkewTime()
    {
        final VrrpInstance vrrp = instance(100, 10, true, 0, LOW);
        vrrp.startup();
        vrrp.advertReceived(150, 10, 0, HIGH);
        vrrp.advertReceived(0, 10, 0, HIGH);
        // Skew_Time = (156 * 100 ms) / 256 = 60.9 ms
        advance(vrrp, 60);
        assertEquals(VrrpState.BACKUP, vrrp.state());
        advance(vrrp, 1);
        assertEquals(VrrpState.MASTER, vrrp.state());
    }

    @Test
    void aMasterThatShutsDownSendsPriorityZeroAndGivesUpTheAddresses()
    {
        final VrrpInstance vrrp = instance(255, 100, true, 0, LOW);
        vrrp.startup();
        events.clear();
        vrrp.shutdown();
        assertEquals(List.of("advert 0", "remove", "INITIALIZE"), events);
        assertEquals(Long.MAX_VALUE, vrrp.nextDeadlineNanos());
    }

    @Test
    void aMasterThatHearsPriorityZeroSendsAnAdvertisementAtOnce()
    {
        final VrrpInstance vrrp = instance(255, 100, true, 0, LOW);
        vrrp.startup();
        events.clear();
        vrrp.advertReceived(0, 100, 0, HIGH);
        assertEquals(List.of("advert 255"), events);
        assertEquals(VrrpState.MASTER, vrrp.state());
    }

    @Test
    void aMasterThatHearsAHigherPriorityBecomesBackupAndRemovesTheAddresses()
    {
        final VrrpInstance vrrp = instance(100, 100, true, 0, HIGH);
        vrrp.startup();
        advance(vrrp, 4_000);
        events.clear();
        vrrp.advertReceived(101, 100, 0, LOW);
        assertEquals(List.of("remove", "BACKUP"), events);
    }

    @Test
    void equalPriorityIsWonByTheHigherPrimaryAddress()
    {
        final VrrpInstance low = instance(100, 100, true, 0, LOW);
        low.startup();
        advance(low, 4_000);
        low.advertReceived(100, 100, 0, HIGH);
        assertEquals(VrrpState.BACKUP, low.state());

        final VrrpInstance high = instance(100, 100, true, 0, HIGH);
        high.startup();
        advance(high, 4_000);
        high.advertReceived(100, 100, 0, LOW);
        assertEquals(VrrpState.MASTER, high.state());
    }

    @Test
    void aMasterDiscardsAnAdvertisementOfLowerPriority()
    {
        final VrrpInstance vrrp = instance(100, 100, true, 0, LOW);
        vrrp.startup();
        advance(vrrp, 4_000);
        events.clear();
        vrrp.advertReceived(99, 100, 0, HIGH);
        // discarded as the RFC says (no state change, no advert), but the agent is told so that it announces again
        assertEquals(List.of("lower 99"), events);
        assertEquals(VrrpState.MASTER, vrrp.state());
    }

    @Test
    void withPreemptABackupOfHigherPriorityDiscardsALowerMastersAdvertisementsAndTakesOver()
    {
        final VrrpInstance vrrp = instance(200, 100, true, 0, LOW);
        vrrp.startup();
        for (int i = 0; i < 4; i++)
        {
            vrrp.advertReceived(100, 100, 0, HIGH);
            advance(vrrp, 1_000);
        }
        assertEquals(VrrpState.MASTER, vrrp.state());
    }

    @Test
    void withoutPreemptABackupOfHigherPriorityFollowsTheLowerMaster()
    {
        final VrrpInstance vrrp = instance(200, 100, false, 0, LOW);
        vrrp.startup();
        for (int i = 0; i < 10; i++)
        {
            vrrp.advertReceived(100, 100, 0, HIGH);
            advance(vrrp, 1_000);
        }
        assertEquals(VrrpState.BACKUP, vrrp.state());
    }

    @Test
    void preemptDelayHoldsPreemptionBackUntilItHasPassedSinceStartup()
    {
        final VrrpInstance vrrp = instance(200, 100, true, 10_000, LOW);
        vrrp.startup();
        for (int i = 0; i < 9; i++)
        {
            vrrp.advertReceived(100, 100, 0, HIGH);
            advance(vrrp, 1_000);
        }
        assertEquals(VrrpState.BACKUP, vrrp.state());
        for (int i = 0; i < 5; i++)
        {
            vrrp.advertReceived(100, 100, 0, HIGH);
            advance(vrrp, 1_000);
        }
        assertEquals(VrrpState.MASTER, vrrp.state());
    }

    @Test
    void theAddressOwnerPreemptsEvenWithPreemptOff()
    {
        final VrrpInstance vrrp = instance(255, 100, false, 0, LOW);
        vrrp.startup();
        vrrp.advertReceived(254, 100, 0, HIGH);
        assertEquals(VrrpState.MASTER, vrrp.state());
    }

    @Test
    void aFaultMakesTheMasterStepDownWithPriorityZeroAndItsClearingStartsItAgain()
    {
        final VrrpInstance vrrp = instance(255, 100, true, 0, LOW);
        vrrp.startup();
        events.clear();
        vrrp.faultDetected("link down");
        assertEquals(List.of("advert 0", "remove", "FAULT"), events);
        vrrp.advertReceived(100, 100, 0, HIGH);
        assertEquals(VrrpState.FAULT, vrrp.state());
        vrrp.faultCleared();
        assertEquals(VrrpState.MASTER, vrrp.state());
    }

    @Test
    void tenMillisecondAdvertisementsKeepTheirSkew()
    {
        final VrrpInstance vrrp = instance(100, 1, true, 0, LOW);
        // 3 * 10 ms + (156 * 10 ms) / 256 = 36.09375 ms; whole centiseconds would lose the 6.09 ms
        assertEquals(36_093_750L, vrrp.masterDownIntervalNanos());
    }

    @Test
    void aSyncGroupMemberFollowsTheOthersToMasterAndBackToBackup()
    {
        final VrrpInstance vrrp = instance(100, 100, true, 0, LOW);
        vrrp.startup();
        vrrp.syncGroupMaster("sync group");
        assertEquals(VrrpState.MASTER, vrrp.state());
        events.clear();
        vrrp.syncGroupBackup("sync group");
        assertEquals(List.of("remove", "BACKUP"), events);
        assertEquals(now + vrrp.masterDownIntervalNanos(), vrrp.nextDeadlineNanos());
    }

    @Test
    void aClearedFaultStartsTheRouterAgainInBackup()
    {
        final VrrpInstance vrrp = instance(100, 100, true, 0, LOW);
        vrrp.faultDetected("link down");
        vrrp.startup();
        assertEquals(VrrpState.FAULT, vrrp.state());
        vrrp.faultCleared();
        assertEquals(VrrpState.BACKUP, vrrp.state());
        assertEquals(List.of("FAULT", "BACKUP"), events);
    }
}
