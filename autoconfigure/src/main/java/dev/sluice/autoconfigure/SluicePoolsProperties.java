package dev.sluice.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.pool.ThreadKind;
import dev.sluice.pool.WhenFull;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Worker pools declared under {@code sluice.pools.<name>}.
 */
@ConfigurationProperties("sluice")
public class SluicePoolsProperties {

	/**
	 * Named, bounded worker pools. Each key is the pool's bean name and its @Async
	 * qualifier.
	 */
	private final Map<String, Pool> pools = new LinkedHashMap<>();

	public Map<String, Pool> getPools() {
		return this.pools;
	}

	/**
	 * One pool's settings.
	 */
	public static class Pool {

		/**
		 * Kind of threads the pool runs tasks on: platform, or virtual (needs Java 21+).
		 */
		private ThreadKind threads = ThreadKind.PLATFORM;

		/**
		 * Platform: number of worker threads. Virtual: maximum number of tasks running at
		 * once.
		 */
		private int size = 8;

		/**
		 * Room for tasks waiting for a worker. 0 hands each task directly to a free
		 * worker.
		 */
		private int queueCapacity = 100;

		/**
		 * What a submit does when the workers are busy and the queue is full.
		 */
		private WhenFull whenFull = WhenFull.REJECT;

		/**
		 * With when-full=wait: how long a submit may block for room before it is
		 * rejected.
		 */
		private Duration waitTimeout = Duration.ofMillis(50);

		/**
		 * A task running longer is interrupted and counted as timed out. 0 means no
		 * limit.
		 */
		private Duration taskTimeout = Duration.ZERO;

		/**
		 * Idle workers retire after this. 0 keeps them for the life of the pool.
		 */
		private Duration keepAlive = Duration.ofSeconds(60);

		/**
		 * At shutdown: time to finish running and queued tasks before what remains is
		 * interrupted and reported.
		 */
		private Duration drainTimeout = Duration.ofSeconds(30);

		/**
		 * Whether tasks carry the submitter's request deadline. Off by default:
		 * background work outlives the request.
		 */
		private boolean inheritDeadline = false;

		private final Retry retry = new Retry();

		public ThreadKind getThreads() {
			return this.threads;
		}

		public void setThreads(ThreadKind threads) {
			this.threads = threads;
		}

		public int getSize() {
			return this.size;
		}

		public void setSize(int size) {
			this.size = size;
		}

		public int getQueueCapacity() {
			return this.queueCapacity;
		}

		public void setQueueCapacity(int queueCapacity) {
			this.queueCapacity = queueCapacity;
		}

		public WhenFull getWhenFull() {
			return this.whenFull;
		}

		public void setWhenFull(WhenFull whenFull) {
			this.whenFull = whenFull;
		}

		public Duration getWaitTimeout() {
			return this.waitTimeout;
		}

		public void setWaitTimeout(Duration waitTimeout) {
			this.waitTimeout = waitTimeout;
		}

		public Duration getTaskTimeout() {
			return this.taskTimeout;
		}

		public void setTaskTimeout(Duration taskTimeout) {
			this.taskTimeout = taskTimeout;
		}

		public Duration getKeepAlive() {
			return this.keepAlive;
		}

		public void setKeepAlive(Duration keepAlive) {
			this.keepAlive = keepAlive;
		}

		public Duration getDrainTimeout() {
			return this.drainTimeout;
		}

		public void setDrainTimeout(Duration drainTimeout) {
			this.drainTimeout = drainTimeout;
		}

		public boolean isInheritDeadline() {
			return this.inheritDeadline;
		}

		public void setInheritDeadline(boolean inheritDeadline) {
			this.inheritDeadline = inheritDeadline;
		}

		public Retry getRetry() {
			return this.retry;
		}

	}

	/**
	 * Retry of tasks submitted with submitRetryable.
	 */
	public static class Retry {

		/**
		 * Runs in all, the first included. 1 means no retry.
		 */
		private int maxAttempts = 1;

		/**
		 * Wait before the first retry.
		 */
		private Duration backoff = Duration.ofMillis(200);

		/**
		 * Growth of the wait from one retry to the next.
		 */
		private double multiplier = 2.0;

		/**
		 * Longest wait between two runs.
		 */
		private Duration maxBackoff = Duration.ofSeconds(5);

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getBackoff() {
			return this.backoff;
		}

		public void setBackoff(Duration backoff) {
			this.backoff = backoff;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

	}

}
