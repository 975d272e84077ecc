package dev.sluice.shutdown;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * A task that was accepted by a worker pool but never completed because the application
 * shut down. Handed to every {@link AbandonedTaskHandler}.
 *
 * @param pool the name of the pool that accepted it
 * @param taskId the id it was submitted with
 * @param task the original {@link Runnable} or {@link Callable}, so it can be persisted
 * or re-queued elsewhere
 * @param reason why it never completed
 */
public record AbandonedTask(String pool, String taskId, Object task, Reason reason) {

	/** Why a task never completed. */
	public enum Reason {

		/**
		 * It was still queued when the drain ran out (a retryable task waiting for its
		 * next attempt counts as queued), so its run, or its next attempt, never started.
		 */
		NEVER_STARTED,

		/**
		 * It was running when the drain ran out and was interrupted, whatever it then
		 * returned: Sluice cannot tell whether a task that caught the interrupt finished
		 * its work.
		 */
		INTERRUPTED,

		/**
		 * It ignored the interrupt and was still running when the grace after the
		 * interrupt ended.
		 */
		STILL_RUNNING;

		/**
		 * The value of the {@code reason} tag of {@code sluice.shutdown.tasks}.
		 * @return the lower-case name, e.g. {@code never_started}
		 */
		public String tagValue() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

}
