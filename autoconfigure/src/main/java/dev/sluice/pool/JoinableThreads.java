package dev.sluice.pool;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Remembers the threads a factory made, so a drain can wait until they have really ended:
 * an executor reports itself terminated while its last worker is still on its way out.
 */
final class JoinableThreads implements ThreadFactory {

	private final ThreadFactory delegate;

	private final Set<Thread> threads = ConcurrentHashMap.newKeySet();

	JoinableThreads(ThreadFactory delegate) {
		this.delegate = delegate;
	}

	@Override
	public Thread newThread(Runnable task) {
		this.threads.removeIf((thread) -> thread.getState() == Thread.State.TERMINATED);
		Thread thread = this.delegate.newThread(task);
		if (thread != null) {
			this.threads.add(thread);
		}
		return thread;
	}

	/**
	 * Waits until every thread made so far has ended, or until {@code deadlineNanos}
	 * ({@link System#nanoTime()}).
	 * @param deadlineNanos when to stop waiting
	 * @return whether every thread has ended
	 * @throws InterruptedException if the calling thread is interrupted
	 */
	boolean joinAll(long deadlineNanos) throws InterruptedException {
		for (Thread thread : this.threads) {
			long left = deadlineNanos - System.nanoTime();
			if (left > 0 && thread != Thread.currentThread()) {
				TimeUnit.NANOSECONDS.timedJoin(thread, left);
			}
		}
		this.threads.removeIf((thread) -> thread.getState() == Thread.State.TERMINATED);
		return this.threads.isEmpty();
	}

}
