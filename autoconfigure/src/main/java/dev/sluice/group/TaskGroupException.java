package dev.sluice.group;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link TaskGroup#join()} when the first failing subtask threw a checked
 * exception (the original is the cause), when the joining or forking thread was
 * interrupted, or when the group was cancelled because the application is shutting down.
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

	/**
	 * Throws a group's first failure: unchecked exceptions and errors as they are,
	 * checked ones wrapped.
	 * @param groupId the group's id
	 * @param first the first failure, if any
	 */
	static void rethrow(String groupId, @Nullable Throwable first) {
		if (first == null) {
			return;
		}
		if (first instanceof RuntimeException unchecked) {
			throw unchecked;
		}
		if (first instanceof Error error) {
			throw error;
		}
		throw new TaskGroupException("A subtask of task group " + groupId + " failed: " + first, first);
	}

}
