package dev.sluice.pool;

/**
 * The kind of threads a {@link WorkerPool} runs its tasks on.
 */
public enum ThreadKind {

	/** Platform threads; {@code size} of them at most. */
	PLATFORM,

	/** Virtual threads (Java 21+); at most {@code size} tasks run at once. */
	VIRTUAL

}
