package dev.sluice.pool;

import java.util.List;

/**
 * Told what draining the pools came to at shutdown; Sluice's shutdown capability uses it
 * to hand abandoned tasks to {@code AbandonedTaskHandler} beans and to write its summary.
 */
@FunctionalInterface
public interface PoolDrainListener {

	/**
	 * Called once, on the shutdown thread, after every pool drained.
	 * @param drains one entry per pool
	 */
	void drained(List<PoolDrain> drains);

	/**
	 * The latest moment the drain may last until, on the {@link System#nanoTime()} clock:
	 * a shutdown budget that caps every pool's {@code drain-timeout}.
	 * @return the deadline, {@link Long#MAX_VALUE} for none
	 */
	default long drainDeadlineNanos() {
		return Long.MAX_VALUE;
	}

}
