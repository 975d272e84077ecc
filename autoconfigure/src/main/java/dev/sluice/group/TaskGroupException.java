package dev.sluice.group;

/**
 * Thrown by {@link TaskGroup#join()} when the first failing subtask threw a checked exception (the original is
 * the cause), or when the joining thread was interrupted.
 */
public class TaskGroupException extends RuntimeException {

	/**
	 * Creates the exception.
	 * @param message what happened
	 * @param cause the subtask's checked exception, or the interrupt
	 */
	public TaskGroupException(String message, Throwable cause) {
		super(message, cause);
	}

}
