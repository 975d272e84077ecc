package dev.sluice.group;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.core.RunningTasks;
import dev.sluice.deadline.Deadline;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;

/**
 * Opens {@link TaskGroup}s: errgroup-style fan-out inside a request. Subtasks run on a
 * fresh virtual thread each (Java 21+), or on a pool of at most {@code max-threads}
 * platform threads shared by every group of the application, which this bean owns and
 * stops when the application context closes; pool threads idle for {@code keep-alive}
 * retire.
 * <p>
 * On the platform pool, a fork from a request thread waits (up to the group's deadline)
 * while every pool thread is busy; it never queues behind other groups' work. A fork from
 * inside a subtask that finds no free pool thread runs the new subtask inline on its own
 * thread instead of waiting: nested groups (a subtask that opens a group and joins it)
 * then cannot deadlock a saturated pool, where every thread would wait for subtasks that
 * need a thread. Virtual threads have no such limit.
 * <p>
 * At shutdown {@link #cancelAll()} cancels every open group; {@link #destroy()} does too,
 * then waits for their subtasks and for every thread the bean made.
 */
public class TaskGroups implements DisposableBean {

	private static final Logger logger = LoggerFactory.getLogger(TaskGroups.class);

	private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);

	private static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(60);

	private final SubtaskThreads threads;

	private final RunningTasks runningTasks;

	private final ObservationRegistry observationRegistry;

	private final Set<TaskGroup> open = ConcurrentHashMap.newKeySet();

	private final AtomicLong ids = new AtomicLong();

	/**
	 * Creates the opener of task groups, whose idle platform threads retire after 60
	 * seconds.
	 * @param virtual whether subtasks run on virtual threads (Java 21+)
	 * @param maxThreads with platform threads: the most threads running subtasks, at
	 * least 1
	 * @param runningTasks the registry of running tasks behind the Actuator task view
	 */
	public TaskGroups(boolean virtual, int maxThreads, RunningTasks runningTasks) {
		this(virtual, maxThreads, runningTasks, ObservationRegistry.NOOP);
	}

	/**
	 * Creates the opener of task groups whose subtasks and joins are observations, and
	 * whose idle platform threads retire after 60 seconds.
	 * @param virtual whether subtasks run on virtual threads (Java 21+)
	 * @param maxThreads with platform threads: the most threads running subtasks, at
	 * least 1
	 * @param runningTasks the registry of running tasks behind the Actuator task view
	 * @param observationRegistry where subtasks and joins are observed
	 */
	public TaskGroups(boolean virtual, int maxThreads, RunningTasks runningTasks,
			ObservationRegistry observationRegistry) {
		this(virtual, maxThreads, DEFAULT_KEEP_ALIVE, runningTasks, observationRegistry);
	}

	/**
	 * Creates the opener of task groups.
	 * @param virtual whether subtasks run on virtual threads (Java 21+)
	 * @param maxThreads with platform threads: the most threads running subtasks, at
	 * least 1
	 * @param keepAlive with platform threads: how long an idle thread waits for a subtask
	 * before it retires; zero to keep every thread until shutdown
	 * @param runningTasks the registry of running tasks behind the Actuator task view
	 * @param observationRegistry where subtasks and joins are observed
	 */
	public TaskGroups(boolean virtual, int maxThreads, Duration keepAlive, RunningTasks runningTasks,
			ObservationRegistry observationRegistry) {
		this.runningTasks = runningTasks;
		this.observationRegistry = observationRegistry;
		this.threads = virtual ? SubtaskThreads.virtual() : SubtaskThreads.platform(maxThreads, keepAlive);
	}

	/**
	 * Opens a group that inherits the current deadline ({@link Deadline#current()}: the
	 * request's, or the enclosing group's inside a subtask), if any.
	 * @return the group, to use in try-with-resources
	 */
	public TaskGroup open() {
		return register(Deadline.current().orElse(null));
	}

	/**
	 * Opens a group with a deadline {@code timeout} from now, or the current one if that
	 * passes first.
	 * @param timeout the group's budget
	 * @return the group, to use in try-with-resources
	 */
	public TaskGroup open(Duration timeout) {
		return register(Deadline.current()
			.map((deadline) -> deadline.shorten(timeout))
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
	 * Cancels every open group: running subtasks are interrupted, new forks are not
	 * started, and a {@link TaskGroup#join()} still waiting throws a
	 * {@link TaskGroupException} saying the application is shutting down. Returns at
	 * once; each group's {@link TaskGroup#close()} (or {@link #destroy()}) waits for the
	 * subtasks to end. Called by Sluice's graceful shutdown and by {@link #destroy()}.
	 */
	public void cancelAll() {
		for (TaskGroup group : List.copyOf(this.open)) {
			group.cancel(new TaskGroupException(
					"Task group " + group.id() + " was cancelled: the application is " + "shutting down"));
		}
	}

	/**
	 * Registers {@code sluice.task_groups.active}, the number of groups open now.
	 * @param registry the application's registry
	 */
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("sluice.task_groups.active", this.open, Set::size)
			.description("Task groups open now")
			.register(registry);
	}

	/**
	 * Cancels every open group, waits for their subtasks, stops the platform pool
	 * (interrupting its threads) and waits until every thread made for subtasks has
	 * ended, ten seconds at most in all.
	 * @throws InterruptedException if interrupted while waiting
	 */
	@Override
	public void destroy() throws InterruptedException {
		cancelAll();
		long deadline = System.nanoTime() + SHUTDOWN_WAIT.toNanos();
		for (TaskGroup group : List.copyOf(this.open)) {
			int running = group.awaitQuiet(deadline - System.nanoTime());
			if (running > 0) {
				logger.warn("Task group {} still has {} subtask(s) running after it was cancelled at shutdown",
						group.id(), running);
			}
		}
		List<Thread> alive = this.threads.shutdown(Math.max(0, deadline - System.nanoTime()));
		if (!alive.isEmpty()) {
			logger.warn("{} task-group thread(s) still running {} s after shutdown began: {}", alive.size(),
					SHUTDOWN_WAIT.toSeconds(), alive);
		}
	}

	private TaskGroup register(Deadline deadline) {
		TaskGroup group = new TaskGroup("group-" + this.ids.incrementAndGet(), deadline, this.threads,
				this.runningTasks, this.observationRegistry, this.open::remove);
		this.open.add(group);
		return group;
	}

}
