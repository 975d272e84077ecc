package dev.sluice.group;

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

/**
 * The threads subtasks run on: a fresh virtual thread each, or a fixed pool of at most {@code maxThreads}
 * platform threads. On the pool, a subtask is only handed over together with a {@linkplain #slots() slot} (one
 * per thread), so it never waits in a queue behind other work: a group that is cancelled has no queued subtasks
 * to wait for, and a forking thread that gets no slot decides itself whether to wait or to run the subtask inline.
 * Every thread is remembered until it ends, so {@link #shutdown(long)} can wait for them all.
 */
final class SubtaskThreads {

	private final ThreadFactory factory;

	private final ThreadPoolExecutor pool;

	private final Semaphore slots;

	private final Set<Thread> started = ConcurrentHashMap.newKeySet();

	private volatile int pruneAt = 256;

	private volatile boolean shutdown;

	private SubtaskThreads(ThreadFactory factory, int maxThreads) {
		this.factory = factory;
		if (maxThreads > 0) {
			// No keep-alive: a pool thread that retired while a subtask was being handed over could leave that
			// subtask queued behind busy threads. The pool is small and bounded; idle threads cost little.
			this.pool = new ThreadPoolExecutor(maxThreads, maxThreads, 0, TimeUnit.MILLISECONDS,
					new LinkedBlockingQueue<>(), this::newThread);
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
		return new SubtaskThreads(SluiceThreads.virtual("group"), 0);
	}

	/**
	 * Subtasks on a fixed pool of platform threads.
	 * @param maxThreads the most threads, at least 1
	 * @return the threads
	 */
	static SubtaskThreads platform(int maxThreads) {
		if (maxThreads < 1) {
			throw new IllegalArgumentException("maxThreads must be at least 1, was " + maxThreads);
		}
		return new SubtaskThreads(SluiceThreads.platform("group", true), maxThreads);
	}

	/**
	 * One permit per pool thread, to take before {@link #execute(Runnable)}; {@code null} for virtual threads,
	 * which need none.
	 * @return the slots, or {@code null}
	 */
	Semaphore slots() {
		return this.slots;
	}

	/**
	 * Runs a subtask on its own thread; with a pool, the caller holds a slot, given back when the subtask ends.
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
	}

	/**
	 * Stops the pool (interrupting its threads) and waits until every thread made for subtasks has ended.
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
		Thread thread = this.factory.newThread(task);
		this.started.add(thread);
		if (this.started.size() > this.pruneAt) {
			// Forget ended threads now and then (amortised); NEW threads are not started yet and stay.
			this.started.removeIf((known) -> known.getState() == Thread.State.TERMINATED);
			this.pruneAt = Math.max(256, this.started.size() * 2);
		}
		return thread;
	}

}
