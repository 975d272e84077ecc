package dev.sluice.deadline;

import java.time.Duration;

/**
 * Thrown when a request's or task's {@link Deadline} has passed. Thrown out of a handler,
 * it is answered with {@code sluice.deadline.status} (504 by default) and a problem body.
 */
public class DeadlineExceededException extends RuntimeException {

	private final Duration timeout;

	/**
	 * Creates the exception for a deadline that allowed {@code timeout}.
	 * @param timeout the time the deadline allowed
	 */
	public DeadlineExceededException(Duration timeout) {
		super("Deadline of " + timeout.toMillis() + " ms exceeded");
		this.timeout = timeout;
	}

	/**
	 * Creates the exception with a message and the cause that surfaced the expiry (an
	 * interrupt, a query-timeout {@code SQLException}, an I/O error).
	 * @param message the message
	 * @param timeout the time the deadline allowed
	 * @param cause the cause
	 */
	public DeadlineExceededException(String message, Duration timeout, Throwable cause) {
		super(message, cause);
		this.timeout = timeout;
	}

	/**
	 * The time the deadline allowed.
	 * @return the timeout
	 */
	public Duration getTimeout() {
		return this.timeout;
	}

}
