package dev.sluice.group;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.SluiceThreads;
import dev.sluice.deadline.Deadline;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.DisposableBean;

/**
 * Opens {@link TaskGroup}s: errgroup-style fan-out inside a request. Subtasks run on a fresh virtual thread each
 * (Java 21+), or on a bounded pool of platform threads shared by every group of the application.
 * <p>
 * On the platform pool, forks beyond {@code max-threads} running subtasks wait in a queue. A subtask that opens a
 * group of its own and joins it holds its thread while it waits, so fan-out nested deeper than the pool is wide
 * can stall until its deadline; virtual threads have no such limit.
 */
public class TaskGroups implements DisposableBean {

	private final Executor executor;

	private final ThreadPoolExecutor platformPool;

	private final RunningTasks runningTasks;

	private final Set<TaskGroup> open = ConcurrentHashMap.newKeySet();

	private final AtomicLong ids = new AtomicLong();

	/**
	 * Creates the opener of task groups.
	 * @param virtual whether subtasks run on virtual threads (Java 21+)
	 * @param maxThreads with platform threads: the most threads running subtasks
	 * @param runningTasks the registry of running tasks behind the Actuator task view
	 */
	public TaskGroups(boolean virtual, int maxThreads, RunningTasks runningTasks) {
		this.runningTasks = runningTasks;
		if (virtual) {
			ThreadFactory threads = SluiceThreads.virtual("group");
			this.platformPool = null;
			this.executor = (task) -> threads.newThread(task).start();
		}
		else {
			this.platformPool = new ThreadPoolExecutor(maxThreads, maxThreads, 30, TimeUnit.SECONDS,
					new LinkedBlockingQueue<>(), SluiceThreads.platform("group", true));
			this.platformPool.allowCoreThreadTimeOut(true);
			this.executor = this.platformPool;
		}
	}

	/**
	 * Opens a group that inherits the current request's deadline, if any.
	 * @return the group, to use in try-with-resources
	 */
	public TaskGroup open() {
		return register(Deadline.current().orElse(null));
	}

	/**
	 * Opens a group with a deadline {@code timeout} from now, or the current request's if that passes first.
	 * @param timeout the group's budget
	 * @return the group, to use in try-with-resources
	 */
	public TaskGroup open(Duration timeout) {
		return register(Deadline.current().map((deadline) -> deadline.shorten(timeout))
			.orElseGet(() -> Deadline.after(timeout)));
	}

	/**
	 * Groups open now.
	 * @return the count
	 */
	public int getActiveCount() {
		return this.open.size();
	}

	/**
	 * Cancels every open group: subtasks are interrupted, forks no longer start. Used at shutdown.
	 */
	public void cancelAll() {
		for (TaskGroup group : List.copyOf(this.open)) {
			group.cancel(null);
		}
	}

	/**
	 * Registers {@code sluice.task_groups.active}.
	 * @param registry the application's registry
	 */
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("sluice.task_groups.active", this.open, Set::size)
			.description("Task groups open now")
			.register(registry);
	}

	/** Cancels what still runs and stops the platform threads, waiting for them. */
	@Override
	public void destroy() throws InterruptedException {
		cancelAll();
		for (TaskGroup group : List.copyOf(this.open)) {
			group.awaitQuiet(5, TimeUnit.SECONDS);
		}
		if (this.platformPool != null) {
			this.platformPool.shutdownNow();
			this.platformPool.awaitTermination(5, TimeUnit.SECONDS);
		}
	}

	private TaskGroup register(Deadline deadline) {
		TaskGroup group = new TaskGroup("group-" + this.ids.incrementAndGet(), deadline, this.executor,
				this.runningTasks, this.open::remove);
		this.open.add(group);
		return group;
	}

}
