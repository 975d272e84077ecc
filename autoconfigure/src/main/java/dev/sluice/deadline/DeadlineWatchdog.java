package dev.sluice.deadline;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.core.SluiceThreads;

/**
 * Interrupts a request's thread when its deadline passes, and never afterwards: the interrupt is sent only
 * while the request is still in the handler (checked under a lock), and {@link Watch#close()} clears a late
 * flag before the thread goes back to the container's pool. One timer thread per application.
 */
public class DeadlineWatchdog implements AutoCloseable {

	private final ScheduledThreadPoolExecutor timer;

	/** Creates the watchdog; its thread, {@code sluice-deadline-watchdog-1}, starts with the first watch. */
	public DeadlineWatchdog() {
		this.timer = new ScheduledThreadPoolExecutor(1, SluiceThreads.platform("deadline-watchdog", true));
		this.timer.setRemoveOnCancelPolicy(true);
	}

	/**
	 * Starts watching the calling thread.
	 * @param deadline the request's deadline
	 * @param interrupt whether to interrupt the thread at the deadline
	 * @return the watch, to close when the request leaves the handler
	 */
	public Watch watch(Deadline deadline, boolean interrupt) {
		Watch watch = new Watch(Thread.currentThread(), interrupt);
		watch.future = this.timer.schedule(watch::fire, deadline.remainingNanos(), TimeUnit.NANOSECONDS);
		return watch;
	}

	@Override
	public void close() {
		this.timer.shutdownNow();
		try {
			this.timer.awaitTermination(5, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** One request's watch. */
	public static final class Watch implements AutoCloseable {

		private final Thread thread;

		private final boolean interrupt;

		private final ReentrantLock lock = new ReentrantLock();

		private volatile ScheduledFuture<?> future;

		private boolean active = true;

		private volatile boolean fired;

		Watch(Thread thread, boolean interrupt) {
			this.thread = thread;
			this.interrupt = interrupt;
		}

		void fire() {
			this.lock.lock();
			try {
				if (this.active) {
					this.fired = true;
					if (this.interrupt) {
						this.thread.interrupt();
					}
				}
			}
			finally {
				this.lock.unlock();
			}
		}

		/**
		 * Stops interrupts from here on, as long as none was sent: called on the watched thread when the handler
		 * starts writing its answer, so that a deadline passing during the write cannot interrupt it (an
		 * interrupted socket write closes the connection).
		 * @return {@code true} if the answer is on time, {@code false} if the deadline had already fired
		 */
		public boolean disarm() {
			this.lock.lock();
			try {
				if (this.fired) {
					return false;
				}
				this.active = false;
				return true;
			}
			finally {
				this.lock.unlock();
			}
		}

		/**
		 * Whether the deadline passed while the request was being handled.
		 * @return {@code true} once fired
		 */
		public boolean hasFired() {
			return this.fired;
		}

		/**
		 * Stops watching; must be called on the watched thread, and may be called again. Clears an interrupt this
		 * watch sent, so it cannot reach the answer being written or the thread's next request.
		 */
		@Override
		public void close() {
			this.lock.lock();
			try {
				this.active = false;
			}
			finally {
				this.lock.unlock();
			}
			ScheduledFuture<?> scheduled = this.future;
			if (scheduled != null) {
				scheduled.cancel(false);
			}
			if (this.fired && this.interrupt) {
				Thread.interrupted();
			}
		}

	}

}
