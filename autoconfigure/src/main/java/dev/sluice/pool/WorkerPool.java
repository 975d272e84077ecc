package dev.sluice.pool;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.SluiceThreads;
import dev.sluice.core.TaskContext;
import dev.sluice.deadline.Deadline;
import dev.sluice.deadline.DeadlineThreadLocalAccessor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.core.task.AsyncTaskExecutor;

/**
 * A named, bounded worker pool: a fixed number of workers (platform threads, or a cap on
 * running virtual threads) fed by a bounded queue, the Java form of Go's worker pool over
 * a buffered job channel. When workers and queue are full, a submit is refused with
 * {@link PoolFullException}, runs on the caller, or waits a bounded time, as configured.
 * <p>
 * Declared under {@code sluice.pools.<name>}, each pool is a bean of this type named
 * after its key, so {@code @Async("emails")} and {@code @Qualifier("emails")} reach it.
 * Tasks carry an id (shown in logs, the Actuator task view and the report of abandoned
 * work) and the submitter's context, restored around the run through Micrometer
 * context-propagation ({@link TaskContext}): the MDC, the current observation and tracing
 * span, every registered {@code ThreadLocalAccessor}'s value and, when
 * {@code inherit-deadline} is on, the submitter's {@link Deadline}. Each task is an
 * {@link Observation} named {@value #OBSERVATION_NAME}, from submit to its final outcome,
 * a child of the submitter's current observation.
 *
 * <pre class="code">
 * emails.submit("welcome-" + user.id(), () -&gt; mailer.sendWelcome(user));
 * </pre>
 */
public class WorkerPool implements AsyncTaskExecutor {

	/**
	 * Name of the observation of each task: submit to final outcome, keys {@code pool}
	 * and {@code outcome}.
	 */
	public static final String OBSERVATION_NAME = "sluice.pool.task";

	private final WorkerPoolSpec spec;

	private final ThreadPoolExecutor executor;

	private final ScheduledExecutorService timer;

	private final JoinableThreads threads;

	private final RunningTasks runningTasks;

	private final TaskContext context;

	private final AtomicLong generatedIds = new AtomicLong();

	private final PoolMeters meters = new PoolMeters();

	private final TasksInFlight inFlight = new TasksInFlight();

	private final TaskHandover handover;

	private volatile ObservationRegistry observations = ObservationRegistry.NOOP;

	/**
	 * Creates a pool and its executor; workers start as tasks arrive.
	 * @param spec the pool's settings, already validated
	 * @param timer the scheduler for task timeouts and retry backoff, owned by the caller
	 * @param runningTasks the registry of running tasks behind the Actuator task view
	 */
	public WorkerPool(WorkerPoolSpec spec, ScheduledExecutorService timer, RunningTasks runningTasks) {
		this.spec = spec;
		this.timer = timer;
		this.runningTasks = runningTasks;
		this.threads = new JoinableThreads((spec.threads() == ThreadKind.VIRTUAL) ? SluiceThreads.virtual(spec.name())
				: SluiceThreads.platform(spec.name(), false));
		BlockingQueue<Runnable> queue = (spec.queueCapacity() == 0) ? new SynchronousQueue<>()
				: new LinkedBlockingQueue<>(spec.queueCapacity());
		long keepAliveNanos = Math.max(1, spec.keepAlive().toNanos());
		this.executor = new ThreadPoolExecutor(spec.size(), spec.size(), keepAliveNanos, TimeUnit.NANOSECONDS, queue,
				this.threads, new ThreadPoolExecutor.AbortPolicy());
		this.executor.allowCoreThreadTimeOut(!spec.keepAlive().isZero());
		this.handover = new TaskHandover(this, this.executor);
		// inherit-deadline: false means a task runs without the request's deadline, even
		// though the deadline's
		// accessor is registered for context-propagation.
		this.context = spec.inheritDeadline() ? TaskContext.all() : TaskContext.allBut(DeadlineThreadLocalAccessor.KEY);
	}

	/**
	 * Makes every task submitted from now on an observation in this registry.
	 * @param registry the application's registry
	 */
	public void observeWith(ObservationRegistry registry) {
		this.observations = registry;
	}

	/**
	 * Registers this pool's meters: {@code sluice.pool.*} for every pool and Micrometer's
	 * {@code executor.*} for platform pools, all tagged with the pool's name.
	 * @param registry the application's registry
	 */
	public void bindTo(MeterRegistry registry) {
		this.meters.bindTo(registry, this.spec, this.executor);
	}

	/**
	 * Submits a task that returns a value.
	 * @param <T> the result type
	 * @param taskId the task's id, for logs, metrics of abandoned work and the task view
	 * @param task the task
	 * @return a future of the result; completes exceptionally with the task's failure,
	 * with {@link TimeoutException} when {@code task-timeout} interrupted it, or with
	 * {@link CancellationException} when the pool shut down before it could run
	 * @throws PoolFullException if the pool cannot accept the task
	 */
	public <T> CompletableFuture<T> submit(String taskId, Callable<T> task) {
		return dispatch(new PoolTask<>(this, taskId, task, task, false));
	}

	/**
	 * Submits a task that returns nothing.
	 * @param taskId the task's id
	 * @param task the task
	 * @return a future completed when the task has run
	 * @throws PoolFullException if the pool cannot accept the task
	 */
	public CompletableFuture<Void> submit(String taskId, Runnable task) {
		return dispatch(new PoolTask<>(this, taskId, asCallable(task), task, false));
	}

	/**
	 * Submits a task that is run again after a failure, per
	 * {@code sluice.pools.<name>.retry}.
	 * @param <T> the result type
	 * @param taskId the task's id
	 * @param task the task
	 * @return a future of the first successful result, or of the last failure
	 * @throws PoolFullException if the pool cannot accept the task
	 */
	public <T> CompletableFuture<T> submitRetryable(String taskId, Callable<T> task) {
		return dispatch(new PoolTask<>(this, taskId, task, task, true));
	}

	/**
	 * Submits a task that returns nothing and is run again after a failure, per
	 * {@code sluice.pools.<name>.retry}.
	 * @param taskId the task's id
	 * @param task the task
	 * @return a future completed when a run succeeded, or with the last failure
	 * @throws PoolFullException if the pool cannot accept the task
	 */
	public CompletableFuture<Void> submitRetryable(String taskId, Runnable task) {
		return dispatch(new PoolTask<>(this, taskId, asCallable(task), task, true));
	}

	/**
	 * Runs a task with a generated id ({@code <pool>-<n>}); what {@code @Async} methods
	 * use.
	 * @throws PoolFullException if the pool cannot accept the task
	 */
	@Override
	public void execute(Runnable task) {
		submit(generatedId(), task);
	}

	@Override
	public <T> CompletableFuture<T> submitCompletable(Callable<T> task) {
		return submit(generatedId(), task);
	}

	@Override
	public CompletableFuture<Void> submitCompletable(Runnable task) {
		return submit(generatedId(), task);
	}

	/**
	 * The pool's name.
	 * @return the name
	 */
	public String getName() {
		return this.spec.name();
	}

	/**
	 * The pool's settings.
	 * @return the settings
	 */
	public WorkerPoolSpec getSpec() {
		return this.spec;
	}

	/**
	 * Tasks running now, including tasks run on a caller's thread.
	 * @return the count
	 */
	public int getActiveCount() {
		return this.meters.active.get();
	}

	/**
	 * Tasks waiting in the queue now.
	 * @return the count
	 */
	public int getQueuedCount() {
		return this.executor.getQueue().size();
	}

	/**
	 * Worker threads alive now (for virtual pools, virtual threads).
	 * @return the count
	 */
	public int getPoolSize() {
		return this.executor.getPoolSize();
	}

	/**
	 * Tasks that completed successfully so far.
	 * @return the count
	 */
	public long getCompletedCount() {
		return this.meters.completed.sum();
	}

	/**
	 * Tasks refused so far.
	 * @return the count
	 */
	public long getRejectedCount() {
		return this.meters.rejected.sum();
	}

	/**
	 * Tasks that failed (after their last attempt) so far.
	 * @return the count
	 */
	public long getFailedCount() {
		return this.meters.failed.sum();
	}

	/**
	 * Tasks interrupted by {@code task-timeout} so far.
	 * @return the count
	 */
	public long getTimedOutCount() {
		return this.meters.timedOut.sum();
	}

	/**
	 * Whether the pool has stopped accepting tasks.
	 * @return {@code true} once {@link #stopAccepting()} was called
	 */
	public boolean isShutdown() {
		return this.executor.isShutdown();
	}

	/**
	 * First step of the drain: tasks waiting for a retry are queued at once, then the
	 * pool refuses new tasks; queued tasks keep running.
	 */
	public void stopAccepting() {
		// Set before the sweep: a retry scheduled concurrently either sees it or is seen
		// by the sweep.
		this.inFlight.draining = true;
		for (PoolTask<?> task : List.copyOf(this.inFlight.awaitingRetry)) {
			if (this.inFlight.awaitingRetry.remove(task)) {
				this.handover.retry(task);
			}
		}
		this.executor.shutdown();
	}

	/**
	 * Second step of the drain: waits until {@code deadlineNanos}
	 * ({@link System#nanoTime()}) for running and queued tasks; if some are left, drops
	 * what never started and interrupts what still runs at once. A run that ends after
	 * that point is reported as {@link UnfinishedTask.Reason#INTERRUPTED}, whatever it
	 * returned: a task that caught the interrupt and returned may not have done its work.
	 * {@link Drain#finish(long)} then gives the interrupted tasks until its deadline and
	 * reports every task that never completed.
	 */
	Drain drainUntil(long deadlineNanos) throws InterruptedException {
		return new Drain(this, this.executor, this.threads).interruptAt(deadlineNanos);
	}

	private String generatedId() {
		return this.spec.name() + "-" + this.generatedIds.incrementAndGet();
	}

	private <T> CompletableFuture<T> dispatch(PoolTask<T> task) {
		this.handover.dispatch(task);
		return task.future;
	}

	private static Callable<Void> asCallable(Runnable task) {
		return () -> {
			task.run();
			return null;
		};
	}

	PoolMeters meters() {
		return this.meters;
	}

	TasksInFlight inFlight() {
		return this.inFlight;
	}

	TaskHandover handover() {
		return this.handover;
	}

	ScheduledExecutorService timer() {
		return this.timer;
	}

	RunningTasks runningTasks() {
		return this.runningTasks;
	}

	TaskContext context() {
		return this.context;
	}

	ObservationRegistry observations() {
		return this.observations;
	}

}
