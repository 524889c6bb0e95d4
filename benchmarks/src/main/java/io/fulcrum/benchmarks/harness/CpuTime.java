package io.fulcrum.benchmarks.harness;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time the benchmark's own tasks ran, from each thread's {@code /proc/PID/task/TID/schedstat} (first field: time
 * on the CPU in nanoseconds, Documentation/scheduler/sched-stats.rst; the sum_exec_runtime that {@code /proc/PID/stat}
 * splits into utime and stime, there in 10 ms ticks). On a machine shared with other work the packet or request rate
 * follows whatever share of the CPU the benchmark gets; CPU time per packet or request does not. Without
 * CONFIG_IRQ_TIME_ACCOUNTING (this kernel) softirq work is charged to the task it interrupted: the veth receive work
 * to the sender (trafgen, or Fulcrum's transmit), the rest to ksoftirqd, which is sampled too.
 */
public final class CpuTime
{
    private CpuTime()
    {
    }

    /** Nanoseconds on the CPU of every thread of {@code pids}, by thread id. */
    public static Map<Long, Long> sample(final List<Long> pids)
    {
        final Map<Long, Long> threads = new HashMap<>();
        for (final long pid : pids)
        {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task")))
            {
                for (final Path task : tasks)
                {
                    try
                    {
                        final String schedstat = Files.readString(task.resolve("schedstat"));
                        threads.put(Long.parseLong(task.getFileName().toString()),
                            Long.parseLong(schedstat.substring(0, schedstat.indexOf(' '))));
                    }
                    catch (final IOException | RuntimeException e)
                    {
                        // the thread exited between listing and reading
                    }
                }
            }
            catch (final IOException e)
            {
                // the process exited
            }
        }
        return threads;
    }

    /** CPU time spent between two samples; a thread born in between counts from zero. */
    public static long between(final Map<Long, Long> before, final Map<Long, Long> after)
    {
        long total = 0;
        for (final Map.Entry<Long, Long> thread : after.entrySet())
        {
            total += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
        }
        return total;
    }

    /**
     * Ticks of CPU {@code cpu} from {@code /proc/stat} (proc(5): user nice system idle iowait irq softirq steal ...) as
     * {busy, all}, busy being all but idle and iowait: whatever ran there, the machine's other work included.
     */
    public static long[] cpuTicks(final int cpu) throws IOException
    {
        final String prefix = "cpu" + cpu + " ";
        for (final String line : Files.readAllLines(Path.of("/proc/stat")))
        {
            if (line.startsWith(prefix))
            {
                final String[] fields = line.substring(prefix.length()).strip().split("\\s+");
                long all = 0;
                for (int i = 0; i < Math.min(8, fields.length); i++)
                {
                    all += Long.parseLong(fields[i]);
                }
                return new long[] {all - Long.parseLong(fields[3]) - Long.parseLong(fields[4]), all};
            }
        }
        throw new IOException("/proc/stat has no line for CPU " + cpu);
    }

    /** The share of the time between two {@link #cpuTicks} samples that the CPU was busy; NaN when no tick passed. */
    public static double busyShare(final long[] before, final long[] after)
    {
        final long all = after[1] - before[1];
        return all <= 0 ? Double.NaN : (double)(after[0] - before[0]) / all;
    }

    /** Kernel threads by exact name or name prefix ({@code ksoftirqd/0}, {@code napi/fblb0-}). */
    public static List<Long> kernelThreads(final List<String> names, final String prefix)
    {
        return ProcessHandle.allProcesses().filter(p ->
        {
            final String comm = comm(p.pid());
            return names.contains(comm) || (prefix != null && comm.startsWith(prefix));
        }).map(ProcessHandle::pid).toList();
    }

    public static String comm(final long pid)
    {
        try
        {
            return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
        }
        catch (final IOException e)
        {
            return "";
        }
    }
}
