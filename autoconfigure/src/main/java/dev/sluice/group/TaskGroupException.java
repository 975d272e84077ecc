package dev.sluice.group;

/**
 * Thrown by {@link TaskGroup#join()} when the first failing subtask threw a checked exception (the original is
 * the cause), when the joining or forking thread was interrupted, or when the group was cancelled because the
 * application is shutting down.
 */
public class TaskGroupException extends RuntimeException {

	/**
	 * Creates the exception.
	 * @param message what happened
	 */
	public TaskGroupException(String message) {
		super(message);
	}

	/**
	 * Creates the exception.
	 * @param message what happened
	 * @param cause the subtask's checked exception, or the interrupt
	 */
	public TaskGroupException(String message, Throwable cause) {
		super(message, cause);
	}

}
