package dev.sluice.pool;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The tasks of a {@link WorkerPool} that its drain must account for: the runs going on
 * now, the tasks waiting for a retry, and the tasks reported as abandoned by whoever gave
 * up on them while the drain ran.
 */
final class TasksInFlight {

	final Set<Attempt> running = ConcurrentHashMap.newKeySet();

	final Set<PoolTask<?>> awaitingRetry = ConcurrentHashMap.newKeySet();

	private final Queue<UnfinishedTask> abandonedWhileDraining = new ConcurrentLinkedQueue<>();

	/**
	 * The drain has begun: a task that fails is run again at once, without its backoff.
	 */
	volatile boolean draining;

	/**
	 * The drain ran out of time: what was queued is dropped and what runs is interrupted.
	 */
	volatile boolean abandoning;

	void reportAbandoned(UnfinishedTask task) {
		this.abandonedWhileDraining.add(task);
	}

	/**
	 * Takes every task reported abandoned so far.
	 * @return the tasks, in the order they were reported
	 */
	List<UnfinishedTask> takeAbandoned() {
		List<UnfinishedTask> taken = new ArrayList<>();
		UnfinishedTask task;
		while ((task = this.abandonedWhileDraining.poll()) != null) {
			taken.add(task);
		}
		return taken;
	}

}
