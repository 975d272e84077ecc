package dev.sluice.pool;

/** How one run of a pool task ended. */
enum TaskOutcome {

	/** The task returned. */
	COMPLETED("completed"),

	/** The task threw, on its last attempt. */
	FAILED("failed"),

	/** {@code task-timeout} interrupted it. */
	TIMED_OUT("timed_out"),

	/** The task threw and is run again after its backoff. */
	RETRY("retry"),

	/**
	 * Ended after the drain's interrupt, however it ended: reported as abandoned by the
	 * worker.
	 */
	ABANDONED("abandoned"),

	/** Still running when the drain gave up: already reported by the drain. */
	REPORTED("abandoned");

	/** The {@code outcome} of the task's observation, as in {@code sluice.pool.tasks}. */
	final String tag;

	TaskOutcome(String tag) {
		this.tag = tag;
	}

}
