package dev.sluice.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registry of the tasks running right now on Sluice's pools and task groups: the source
 * of the Actuator task view (Go's goroutine dump). One per application context.
 */
public final class RunningTasks {

	private final Set<Running> running = ConcurrentHashMap.newKeySet();

	/**
	 * Records that the current thread starts running a task.
	 * @param owner the pool name, or {@code task-group} for subtasks
	 * @param taskId the task's id
	 * @return the registration, to be closed when the task ends
	 */
	public Running start(String owner, String taskId) {
		Running entry = new Running(this, owner, taskId, Thread.currentThread(), System.nanoTime());
		this.running.add(entry);
		return entry;
	}

	/**
	 * The tasks running now.
	 * @return a snapshot, oldest first
	 */
	public List<Running> snapshot() {
		List<Running> snapshot = new ArrayList<>(this.running);
		snapshot.sort((a, b) -> Long.compare(a.startedNanos, b.startedNanos));
		return snapshot;
	}

	/** One running task; closing it removes it from the registry. */
	public static final class Running implements AutoCloseable {

		private final RunningTasks registry;

		private final String owner;

		private final String taskId;

		private final Thread thread;

		private final long startedNanos;

		Running(RunningTasks registry, String owner, String taskId, Thread thread, long startedNanos) {
			this.registry = registry;
			this.owner = owner;
			this.taskId = taskId;
			this.thread = thread;
			this.startedNanos = startedNanos;
		}

		public String owner() {
			return this.owner;
		}

		public String taskId() {
			return this.taskId;
		}

		public Thread thread() {
			return this.thread;
		}

		public Duration age() {
			return Duration.ofNanos(System.nanoTime() - this.startedNanos);
		}

		@Override
		public void close() {
			this.registry.running.remove(this);
		}

	}

}
