package dev.sluice.group;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.sluice.core.SluiceThreads;
import org.jspecify.annotations.Nullable;

/**
 * The threads subtasks run on: a fresh virtual thread each, or a pool of at most
 * {@code maxThreads} platform threads, of which those idle for {@code keepAlive} retire.
 * On the pool, a subtask is only handed over together with a {@linkplain #slots() slot}
 * (one per thread), so it never waits in a queue behind other work: a group that is
 * cancelled has no queued subtasks to wait for, and a forking thread that gets no slot
 * decides itself whether to wait or to run the subtask inline. Every thread is remembered
 * until it ends, so {@link #shutdown(long)} can wait for them all.
 */
final class SubtaskThreads {

	private final ThreadFactory factory;

	private final ThreadPoolExecutor pool;

	private final Semaphore slots;

	private final Set<Thread> started = ConcurrentHashMap.newKeySet();

	private volatile int pruneAt = 256;

	private volatile boolean shutdown;

	private SubtaskThreads(ThreadFactory factory, int maxThreads, Duration keepAlive) {
		this.factory = factory;
		if (maxThreads > 0) {
			this.pool = new ThreadPoolExecutor(maxThreads, maxThreads, Math.max(1, keepAlive.toNanos()),
					TimeUnit.NANOSECONDS, new LinkedBlockingQueue<>(), this::newThread);
			this.pool.allowCoreThreadTimeOut(!keepAlive.isZero());
			this.slots = new Semaphore(maxThreads);
		}
		else {
			this.pool = null;
			this.slots = null;
		}
	}

	/**
	 * Subtasks each on a fresh virtual thread (Java 21+).
	 * @return the threads
	 */
	static SubtaskThreads virtual() {
		return new SubtaskThreads(SluiceThreads.virtual("group"), 0, Duration.ZERO);
	}

	/**
	 * Subtasks on a pool of platform threads.
	 * @param maxThreads the most threads, at least 1
	 * @param keepAlive how long an idle thread waits for a subtask before it retires;
	 * zero to never retire
	 * @return the threads
	 */
	static SubtaskThreads platform(int maxThreads, Duration keepAlive) {
		if (maxThreads < 1) {
			throw new IllegalArgumentException("maxThreads must be at least 1, was " + maxThreads);
		}
		return new SubtaskThreads(SluiceThreads.platform("group", true), maxThreads, keepAlive);
	}

	/**
	 * One permit per pool thread, to take before {@link #execute(Runnable)}; {@code null}
	 * for virtual threads, which need none.
	 * @return the slots; none for virtual threads
	 */
	@Nullable Semaphore slots() {
		return this.slots;
	}

	/**
	 * Runs a subtask on its own thread; with a pool, the caller holds a slot, given back
	 * when the subtask ends.
	 * @param subtask the subtask
	 * @throws RejectedExecutionException after {@link #shutdown(long)}
	 */
	void execute(Runnable subtask) {
		if (this.pool == null) {
			if (this.shutdown) {
				throw new RejectedExecutionException("Task groups are shut down");
			}
			newThread(subtask).start();
			return;
		}
		try {
			this.pool.execute(() -> {
				try {
					subtask.run();
				}
				finally {
					this.slots.release();
				}
			});
		}
		catch (RejectedExecutionException ex) {
			this.slots.release();
			throw ex;
		}
		replaceRetiredThread();
	}

	/**
	 * Starts a thread for a queued subtask when the pool has fewer threads than slots. A
	 * thread that retires (keep-alive) while a subtask is handed to the pool can leave
	 * that subtask queued behind busy threads, although it holds a slot. Both the
	 * submitter (after queuing) and the retiring thread (after leaving the count) call
	 * this: whichever comes second sees the other's step and starts the missing thread.
	 */
	private void replaceRetiredThread() {
		if (!this.pool.getQueue().isEmpty()) {
			this.pool.prestartCoreThread();
		}
	}

	/**
	 * Stops the pool (interrupting its threads) and waits until every thread made for
	 * subtasks has ended.
	 * @param timeoutNanos how long to wait
	 * @return the threads still alive when the time was up, normally none
	 * @throws InterruptedException if interrupted while waiting
	 */
	List<Thread> shutdown(long timeoutNanos) throws InterruptedException {
		this.shutdown = true;
		long deadline = System.nanoTime() + timeoutNanos;
		if (this.pool != null) {
			this.pool.shutdownNow();
			this.pool.awaitTermination(timeoutNanos, TimeUnit.NANOSECONDS);
		}
		for (Thread thread : List.copyOf(this.started)) {
			long left = deadline - System.nanoTime();
			if (left > 0) {
				TimeUnit.NANOSECONDS.timedJoin(thread, left);
			}
		}
		return this.started.stream().filter(Thread::isAlive).toList();
	}

	private Thread newThread(Runnable task) {
		Runnable body = (this.pool == null) ? task : () -> {
			try {
				task.run();
			}
			finally {
				replaceRetiredThread();
			}
		};
		Thread thread = this.factory.newThread(body);
		this.started.add(thread);
		if (this.started.size() > this.pruneAt) {
			// Forget ended threads now and then (amortised); NEW threads are not started
			// yet and stay.
			this.started.removeIf((known) -> known.getState() == Thread.State.TERMINATED);
			this.pruneAt = Math.max(256, this.started.size() * 2);
		}
		return thread;
	}

}
