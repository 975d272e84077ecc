package dev.sluice.pool;

import java.util.concurrent.locks.ReentrantLock;

/**
 * One run of a pool task on one thread. The timeout interrupts the thread only while this
 * run is still running (checked under the lock), so an interrupt can never reach the next
 * task on a reused worker. How the run ended is decided under the same lock, so the drain
 * either sees it still running (and reports it) or settled (and leaves the report, if
 * any, to the worker): never both, never neither.
 */
final class Attempt {

	final PoolTask<?> task;

	private final Thread thread;

	private final ReentrantLock lock = new ReentrantLock();

	private boolean running = true;

	private boolean timedOut;

	private boolean abandoned;

	Attempt(PoolTask<?> task, Thread thread) {
		this.task = task;
		this.thread = thread;
	}

	/** {@code task-timeout} has passed: interrupts the run if it still runs. */
	void timeOut() {
		this.lock.lock();
		try {
			if (this.running) {
				this.timedOut = true;
				this.thread.interrupt();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The drain ran out of time: interrupts the run if it still runs (also a run on its
	 * caller's thread).
	 */
	void interruptForDrain() {
		this.lock.lock();
		try {
			if (this.running) {
				this.thread.interrupt();
			}
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The run returned or threw: decides how it ended.
	 * @param failure what it threw, if anything
	 * @return the outcome
	 */
	TaskOutcome finish(Throwable failure) {
		this.lock.lock();
		try {
			this.running = false;
			if (this.abandoned) {
				return TaskOutcome.REPORTED;
			}
			TaskOutcome outcome = this.task.outcomeOf(failure, this.timedOut);
			if (outcome == TaskOutcome.ABANDONED) {
				this.task.reportAbandoned();
			}
			return outcome;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Marks a run still going after the drain's grace as abandoned; it is then reported,
	 * not completed.
	 * @return whether it was still running
	 */
	boolean markAbandoned() {
		this.lock.lock();
		try {
			if (!this.running) {
				return false;
			}
			this.abandoned = true;
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

}
