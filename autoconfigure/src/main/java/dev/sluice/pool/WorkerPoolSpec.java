package dev.sluice.pool;

import java.time.Duration;

/**
 * The settings of one {@link WorkerPool}, validated by whoever builds it (Sluice's
 * auto-configuration binds them from {@code sluice.pools.<name>}). Immutable; each
 * {@code with...} method returns new settings, which is how a
 * {@link WorkerPoolCustomizer} changes one thing.
 *
 * @param name the pool's name: its bean name, {@code @Async} qualifier and meter tag
 * @param threads platform or virtual threads
 * @param size platform: worker threads; virtual: tasks running at once
 * @param queueCapacity room for waiting tasks; 0 hands each task straight to a free
 * worker
 * @param whenFull what happens when workers and queue are full
 * @param waitTimeout with {@link WhenFull#WAIT}: how long a submitter may block
 * @param taskTimeout a task running longer is interrupted and counted {@code timed_out};
 * zero for none
 * @param keepAlive idle workers retire after this
 * @param retry the retry policy of tasks submitted as retryable
 * @param drainTimeout at shutdown: time to finish running and queued tasks
 * @param inheritDeadline whether tasks carry the submitter's request deadline
 */
public record WorkerPoolSpec(String name, ThreadKind threads, int size, int queueCapacity, WhenFull whenFull,
		Duration waitTimeout, Duration taskTimeout, Duration keepAlive, RetryPolicy retry, Duration drainTimeout,
		boolean inheritDeadline) {

	/**
	 * These settings with another thread kind.
	 * @param threads platform or virtual threads
	 * @return the new settings
	 */
	public WorkerPoolSpec withThreads(ThreadKind threads) {
		return new WorkerPoolSpec(this.name, threads, this.size, this.queueCapacity, this.whenFull, this.waitTimeout,
				this.taskTimeout, this.keepAlive, this.retry, this.drainTimeout, this.inheritDeadline);
	}

	/**
	 * These settings with another size.
	 * @param size platform: worker threads; virtual: tasks running at once
	 * @return the new settings
	 */
	public WorkerPoolSpec withSize(int size) {
		return new WorkerPoolSpec(this.name, this.threads, size, this.queueCapacity, this.whenFull, this.waitTimeout,
				this.taskTimeout, this.keepAlive, this.retry, this.drainTimeout, this.inheritDeadline);
	}

	/**
	 * These settings with another queue capacity.
	 * @param queueCapacity room for waiting tasks; 0 hands each task straight to a free
	 * worker
	 * @return the new settings
	 */
	public WorkerPoolSpec withQueueCapacity(int queueCapacity) {
		return new WorkerPoolSpec(this.name, this.threads, this.size, queueCapacity, this.whenFull, this.waitTimeout,
				this.taskTimeout, this.keepAlive, this.retry, this.drainTimeout, this.inheritDeadline);
	}

	/**
	 * These settings with another policy for a full pool.
	 * @param whenFull what happens when workers and queue are full
	 * @param waitTimeout with {@link WhenFull#WAIT}: how long a submitter may block
	 * @return the new settings
	 */
	public WorkerPoolSpec withWhenFull(WhenFull whenFull, Duration waitTimeout) {
		return new WorkerPoolSpec(this.name, this.threads, this.size, this.queueCapacity, whenFull, waitTimeout,
				this.taskTimeout, this.keepAlive, this.retry, this.drainTimeout, this.inheritDeadline);
	}

	/**
	 * These settings with another task timeout.
	 * @param taskTimeout a task running longer is interrupted; zero for none
	 * @return the new settings
	 */
	public WorkerPoolSpec withTaskTimeout(Duration taskTimeout) {
		return new WorkerPoolSpec(this.name, this.threads, this.size, this.queueCapacity, this.whenFull,
				this.waitTimeout, taskTimeout, this.keepAlive, this.retry, this.drainTimeout, this.inheritDeadline);
	}

	/**
	 * These settings with another keep-alive.
	 * @param keepAlive idle workers retire after this; zero to keep them
	 * @return the new settings
	 */
	public WorkerPoolSpec withKeepAlive(Duration keepAlive) {
		return new WorkerPoolSpec(this.name, this.threads, this.size, this.queueCapacity, this.whenFull,
				this.waitTimeout, this.taskTimeout, keepAlive, this.retry, this.drainTimeout, this.inheritDeadline);
	}

	/**
	 * These settings with another retry policy.
	 * @param retry the retry policy of tasks submitted as retryable
	 * @return the new settings
	 */
	public WorkerPoolSpec withRetry(RetryPolicy retry) {
		return new WorkerPoolSpec(this.name, this.threads, this.size, this.queueCapacity, this.whenFull,
				this.waitTimeout, this.taskTimeout, this.keepAlive, retry, this.drainTimeout, this.inheritDeadline);
	}

	/**
	 * These settings with another drain timeout.
	 * @param drainTimeout at shutdown: time to finish running and queued tasks
	 * @return the new settings
	 */
	public WorkerPoolSpec withDrainTimeout(Duration drainTimeout) {
		return new WorkerPoolSpec(this.name, this.threads, this.size, this.queueCapacity, this.whenFull,
				this.waitTimeout, this.taskTimeout, this.keepAlive, this.retry, drainTimeout, this.inheritDeadline);
	}

	/**
	 * These settings with deadline inheritance on or off.
	 * @param inheritDeadline whether tasks carry the submitter's request deadline
	 * @return the new settings
	 */
	public WorkerPoolSpec withInheritDeadline(boolean inheritDeadline) {
		return new WorkerPoolSpec(this.name, this.threads, this.size, this.queueCapacity, this.whenFull,
				this.waitTimeout, this.taskTimeout, this.keepAlive, this.retry, this.drainTimeout, inheritDeadline);
	}

	/**
	 * How retryable tasks are retried: up to {@code maxAttempts} runs in all, waiting
	 * {@code backoff} before the second, then {@code multiplier} times longer each time,
	 * never longer than {@code maxBackoff}.
	 *
	 * @param maxAttempts runs in all, at least 1 (1 = no retry)
	 * @param backoff the wait before the first retry
	 * @param multiplier growth of the wait per retry, at least 1
	 * @param maxBackoff the longest wait
	 */
	public record RetryPolicy(int maxAttempts, Duration backoff, double multiplier, Duration maxBackoff) {

		/** No retries. */
		public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, 1.0, Duration.ZERO);

		/**
		 * The wait before run number {@code attempt + 1}, after run {@code attempt}
		 * failed.
		 * @param attempt the run that failed, from 1
		 * @return the backoff
		 */
		public Duration backoffAfter(int attempt) {
			double nanos = this.backoff.toNanos() * Math.pow(this.multiplier, attempt - 1);
			return Duration.ofNanos((long) Math.min(nanos, this.maxBackoff.toNanos()));
		}

	}

}
