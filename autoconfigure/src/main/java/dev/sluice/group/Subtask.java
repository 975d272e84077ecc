package dev.sluice.group;

import org.jspecify.annotations.Nullable;

/**
 * A subtask forked in a {@link TaskGroup}; its result is read after
 * {@link TaskGroup#join()}.
 *
 * @param <T> the result type
 */
public interface Subtask<T> {

	/** Where a subtask is. */
	enum State {

		/** Forked and not yet finished. */
		RUNNING,

		/** Returned a value. */
		SUCCESS,

		/** Threw an exception. */
		FAILED,

		/**
		 * Never ran, or was interrupted, because the group was cancelled (first failure,
		 * deadline, close).
		 */
		CANCELLED

	}

	/**
	 * The subtask's id, {@code <group id>-<n>}, as shown in the Actuator task view.
	 * @return the id
	 */
	String id();

	/**
	 * Where the subtask is.
	 * @return the state
	 */
	State state();

	/**
	 * The result of a subtask that succeeded.
	 * @return the result
	 * @throws IllegalStateException if the subtask has not succeeded (call
	 * {@link TaskGroup#join()} first; a failed or cancelled subtask has no result)
	 */
	T get();

	/**
	 * The exception of a subtask that failed or was cancelled while running.
	 * @return the exception, if any
	 */
	@Nullable Throwable exception();

}
