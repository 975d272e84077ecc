package dev.sluice.pool;

/**
 * What a {@link WorkerPool} does with a task when its workers are busy and its queue is
 * full.
 */
public enum WhenFull {

	/** Refuse at once with {@link PoolFullException}. */
	REJECT,

	/**
	 * Run the task on the submitting thread (slows the producer down, Go's
	 * unbuffered-channel feel).
	 */
	CALLER_RUNS,

	/**
	 * Block the submitter up to {@code wait-timeout} for room in the queue, then refuse.
	 */
	WAIT

}
