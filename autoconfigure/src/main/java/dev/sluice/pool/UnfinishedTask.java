package dev.sluice.pool;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * A task a pool accepted but never completed because it was drained at shutdown: what the
 * pool reports in its {@link PoolDrain}. Sluice's shutdown hands each one to the
 * application as a {@code dev.sluice.shutdown.AbandonedTask}.
 *
 * @param pool the name of the pool that accepted it
 * @param taskId the id it was submitted with
 * @param task the original {@link Runnable} or {@link Callable}
 * @param reason why it never completed
 */
public record UnfinishedTask(String pool, String taskId, Object task, Reason reason) {

	/** Why a task never completed. */
	public enum Reason {

		/**
		 * It was still queued when the drain ran out (a retryable task waiting for its
		 * next attempt counts as queued), so its run, or its next attempt, never started.
		 */
		NEVER_STARTED,

		/**
		 * It was running when the drain ran out and was interrupted, whatever it then
		 * returned.
		 */
		INTERRUPTED,

		/**
		 * It ignored the interrupt and was still running when the grace after the
		 * interrupt ended.
		 */
		STILL_RUNNING;

		/**
		 * The lower-case name, as in logs and the {@code reason} tag of
		 * {@code sluice.shutdown.tasks}.
		 * @return the name, e.g. {@code never_started}
		 */
		public String tagValue() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

}
