package dev.sluice.pool;

import java.util.concurrent.RejectedExecutionException;

/**
 * Thrown when a {@link WorkerPool} cannot accept a task: its workers are busy and its
 * queue is full (after waiting {@code wait-timeout} with {@code when-full: wait}), or it
 * is shutting down. Thrown out of a handler it is answered
 * {@code 503 Service Unavailable} with {@code Retry-After: 1}.
 */
public class PoolFullException extends RejectedExecutionException {

	private final String pool;

	/**
	 * Creates the exception.
	 * @param pool the pool's name
	 * @param message what happened
	 */
	public PoolFullException(String pool, String message) {
		super(message);
		this.pool = pool;
	}

	/**
	 * The name of the pool that refused the task.
	 * @return the pool name
	 */
	public String getPool() {
		return this.pool;
	}

}
