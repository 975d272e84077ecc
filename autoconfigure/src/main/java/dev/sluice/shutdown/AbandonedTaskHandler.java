package dev.sluice.shutdown;

/**
 * Receives every pool task that never completed at shutdown, so an application can
 * persist or re-queue it. Declare one or more beans of this type; each gets every
 * abandoned task. Called on the shutdown thread, after the pools drained; keep it short
 * (the shutdown budget is running).
 */
@FunctionalInterface
public interface AbandonedTaskHandler {

	/**
	 * Handles one abandoned task.
	 * @param task the task, with its pool and id
	 */
	void handle(AbandonedTask task);

}
