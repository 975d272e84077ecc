package dev.sluice.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.SluiceThreads;
import dev.sluice.core.TaskContext;
import dev.sluice.deadline.Deadline;
import dev.sluice.deadline.DeadlineThreadLocalAccessor;
import dev.sluice.shutdown.AbandonedTask;
import dev.sluice.shutdown.AbandonedTask.Reason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.task.AsyncTaskExecutor;

/**
 * A named, bounded worker pool: a fixed number of workers (platform threads, or a cap on running virtual
 * threads) fed by a bounded queue, the Java form of Go's worker pool over a buffered job channel. When workers
 * and queue are full, a submit is refused with {@link PoolFullException}, runs on the caller, or waits a bounded
 * time, as configured.
 * <p>
 * Declared under {@code sluice.pools.<name>}, each pool is a bean of this type named after its key, so
 * {@code @Async("emails")} and {@code @Qualifier("emails")} reach it. Tasks carry an id (shown in logs, the
 * Actuator task view and the report of abandoned work) and the submitter's context, restored around the run
 * through Micrometer context-propagation ({@link TaskContext}): the MDC, the current observation and tracing
 * span, every registered {@code ThreadLocalAccessor}'s value and, when {@code inherit-deadline} is on, the
 * submitter's {@link Deadline}. Each task is an {@link Observation} named {@value #OBSERVATION_NAME}, from
 * submit to its final outcome, a child of the submitter's current observation.
 *
 * <pre class="code">
 * emails.submit("welcome-" + user.id(), () -&gt; mailer.sendWelcome(user));
 * </pre>
 */
public class WorkerPool implements AsyncTaskExecutor {

	/** Name of the observation of each task: submit to final outcome, keys {@code pool} and {@code outcome}. */
	public static final String OBSERVATION_NAME = "sluice.pool.task";

	private static final Logger logger = LoggerFactory.getLogger(WorkerPool.class);

	private final WorkerPoolSpec spec;

	private final ThreadPoolExecutor executor;

	private final ScheduledExecutorService timer;

	private final JoinableThreads threads;

	private final RunningTasks runningTasks;

	private final AtomicLong generatedIds = new AtomicLong();

	private final AtomicInteger active = new AtomicInteger();

	private final Set<Attempt> running = ConcurrentHashMap.newKeySet();

	private final Set<PoolTask<?>> awaitingRetry = ConcurrentHashMap.newKeySet();

	private final Queue<AbandonedTask> abandonedWhileDraining = new ConcurrentLinkedQueue<>();

	private final LongAdder completed = new LongAdder();

	private final LongAdder failed = new LongAdder();

	private final LongAdder timedOut = new LongAdder();

	private final LongAdder rejected = new LongAdder();

	private final LongAdder abandoned = new LongAdder();

	private volatile boolean draining;

	private volatile boolean abandoning;

	private volatile Timer queueWait;

	private volatile Timer taskDuration;

	private final TaskContext context;

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
		// inherit-deadline: false means a task runs without the request's deadline, even though the deadline's
		// accessor is registered for context-propagation.
		this.context = spec.inheritDeadline() ? TaskContext.all()
				: TaskContext.allBut(DeadlineThreadLocalAccessor.KEY);
	}

	/**
	 * Makes every task submitted from now on an observation in this registry.
	 * @param registry the application's registry
	 */
	public void observeWith(ObservationRegistry registry) {
		this.observations = registry;
	}

	/**
	 * Registers this pool's meters: {@code sluice.pool.*} for every pool and Micrometer's {@code executor.*} for
	 * platform pools, all tagged with the pool's name.
	 * @param registry the application's registry
	 */
	public void bindTo(MeterRegistry registry) {
		String name = this.spec.name();
		Tags pool = Tags.of("pool", name);
		outcome(registry, pool, "completed", this.completed);
		outcome(registry, pool, "failed", this.failed);
		outcome(registry, pool, "timed_out", this.timedOut);
		outcome(registry, pool, "rejected", this.rejected);
		outcome(registry, pool, "abandoned", this.abandoned);
		this.queueWait = Timer.builder("sluice.pool.queue.wait")
			.description("Time tasks waited in the pool's queue before a worker took them")
			.tags(pool)
			.register(registry);
		this.taskDuration = Timer.builder("sluice.pool.task.duration")
			.description("Time tasks ran on the pool's workers")
			.tags(pool)
			.register(registry);
		Gauge.builder("sluice.pool.active", this.active, AtomicInteger::get)
			.description("Tasks running now")
			.tags(pool)
			.register(registry);
		Gauge.builder("sluice.pool.queued", this.executor, (executor) -> executor.getQueue().size())
			.description("Tasks waiting in the queue")
			.tags(pool)
			.register(registry);
		if (this.spec.threads() == ThreadKind.PLATFORM) {
			new ExecutorServiceMetrics(this.executor, name, Tags.empty()).bindTo(registry);
		}
	}

	private static void outcome(MeterRegistry registry, Tags pool, String outcome, LongAdder count) {
		FunctionCounter.builder("sluice.pool.tasks", count, LongAdder::sum)
			.description("Tasks that left the pool, by outcome")
			.tags(pool.and("outcome", outcome))
			.register(registry);
	}

	/**
	 * Submits a task that returns a value.
	 * @param <T> the result type
	 * @param taskId the task's id, for logs, metrics of abandoned work and the task view
	 * @param task the task
	 * @return a future of the result; completes exceptionally with the task's failure, with
	 * {@link TimeoutException} when {@code task-timeout} interrupted it, or with {@link CancellationException}
	 * when the pool shut down before it could run
	 * @throws PoolFullException if the pool cannot accept the task
	 */
	public <T> CompletableFuture<T> submit(String taskId, Callable<T> task) {
		return dispatch(new PoolTask<>(taskId, task, task, false));
	}

	/**
	 * Submits a task that returns nothing.
	 * @param taskId the task's id
	 * @param task the task
	 * @return a future completed when the task has run
	 * @throws PoolFullException if the pool cannot accept the task
	 */
	public CompletableFuture<Void> submit(String taskId, Runnable task) {
		return dispatch(new PoolTask<>(taskId, asCallable(task), task, false));
	}

	/**
	 * Submits a task that is run again after a failure, per {@code sluice.pools.<name>.retry}.
	 * @param <T> the result type
	 * @param taskId the task's id
	 * @param task the task
	 * @return a future of the first successful result, or of the last failure
	 * @throws PoolFullException if the pool cannot accept the task
	 */
	public <T> CompletableFuture<T> submitRetryable(String taskId, Callable<T> task) {
		return dispatch(new PoolTask<>(taskId, task, task, true));
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
		return dispatch(new PoolTask<>(taskId, asCallable(task), task, true));
	}

	/**
	 * Runs a task with a generated id ({@code <pool>-<n>}); what {@code @Async} methods use.
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
		return this.active.get();
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
		return this.completed.sum();
	}

	/**
	 * Tasks refused so far.
	 * @return the count
	 */
	public long getRejectedCount() {
		return this.rejected.sum();
	}

	/**
	 * Tasks that failed (after their last attempt) so far.
	 * @return the count
	 */
	public long getFailedCount() {
		return this.failed.sum();
	}

	/**
	 * Tasks interrupted by {@code task-timeout} so far.
	 * @return the count
	 */
	public long getTimedOutCount() {
		return this.timedOut.sum();
	}

	/**
	 * Whether the pool has stopped accepting tasks.
	 * @return {@code true} once {@link #stopAccepting()} was called
	 */
	public boolean isShutdown() {
		return this.executor.isShutdown();
	}

	/**
	 * First step of the drain: tasks waiting for a retry are queued at once, then the pool refuses new tasks;
	 * queued tasks keep running.
	 */
	public void stopAccepting() {
		// Set before the sweep: a retry scheduled concurrently either sees it or is seen by the sweep.
		this.draining = true;
		for (PoolTask<?> task : List.copyOf(this.awaitingRetry)) {
			if (this.awaitingRetry.remove(task)) {
				enqueueRetry(task);
			}
		}
		this.executor.shutdown();
	}

	/**
	 * Second step of the drain: waits until {@code deadlineNanos} ({@link System#nanoTime()}) for running and
	 * queued tasks; if some are left, drops what never started and interrupts what still runs at once. A run
	 * that ends after that point is reported as {@link Reason#INTERRUPTED}, whatever it returned: a task that
	 * caught the interrupt and returned may not have done its work.
	 * {@link Drain#finish(long)} then gives the interrupted tasks until its deadline and reports every task that
	 * never completed. {@link WorkerPools} interrupts every pool before it waits for any, so pools stuck on tasks
	 * that ignore the interrupt share one grace instead of taking one each.
	 */
	Drain drainUntil(long deadlineNanos) throws InterruptedException {
		Drain drain = new Drain();
		stopAccepting();
		if (!this.executor.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()),
				TimeUnit.NANOSECONDS)) {
			this.abandoning = true;
			for (Runnable neverRan : this.executor.shutdownNow()) {
				PoolTask<?> task = (PoolTask<?>) neverRan;
				task.future.completeExceptionally(new CancellationException("pool " + getName() + " shut down"));
				drain.lost.add(task.abandoned(Reason.NEVER_STARTED));
			}
			// shutdownNow() interrupted the workers; a task run on its caller's thread is interrupted here.
			this.running.forEach(Attempt::interruptForDrain);
			drain.interrupted = true;
		}
		return drain;
	}

	/** A drain between its interrupt and its end. */
	final class Drain {

		private final long start = System.nanoTime();

		private final long completedBefore = WorkerPool.this.completed.sum();

		private final List<AbandonedTask> lost = new ArrayList<>();

		private boolean interrupted;

		/**
		 * Waits until {@code joinDeadlineNanos} for interrupted tasks and for the workers to exit, then reports
		 * every task that never completed.
		 * @param joinDeadlineNanos when to stop waiting ({@link System#nanoTime()})
		 * @return what the drain came to
		 * @throws InterruptedException if the calling thread is interrupted
		 */
		PoolDrain finish(long joinDeadlineNanos) throws InterruptedException {
			List<AbandonedTask> lost = this.lost;
			if (this.interrupted) {
				WorkerPool.this.executor.awaitTermination(Math.max(0, joinDeadlineNanos - System.nanoTime()),
						TimeUnit.NANOSECONDS);
				// Tasks run on their callers' threads get the same grace; the executor does not wait for them.
				while (!WorkerPool.this.running.isEmpty() && joinDeadlineNanos - System.nanoTime() > 0) {
					TimeUnit.MILLISECONDS.sleep(5);
				}
				for (Attempt stuck : WorkerPool.this.running) {
					if (stuck.markAbandoned()) {
						lost.add(stuck.task.abandoned(Reason.STILL_RUNNING));
					}
				}
			}
			// Only a retry whose requeue raced the drain could still be waiting; like a queued task, its next
			// attempt never started, and it is reported, not left behind.
			for (PoolTask<?> waiting : List.copyOf(WorkerPool.this.awaitingRetry)) {
				if (WorkerPool.this.awaitingRetry.remove(waiting)) {
					waiting.future
						.completeExceptionally(new CancellationException("pool " + getName() + " shut down"));
					lost.add(waiting.abandoned(Reason.NEVER_STARTED));
				}
			}
			// A worker stuck past the grace is not waited for again.
			WorkerPool.this.threads.joinAll(joinDeadlineNanos);
			AbandonedTask interruptedTask;
			while ((interruptedTask = WorkerPool.this.abandonedWhileDraining.poll()) != null) {
				lost.add(interruptedTask);
			}
			WorkerPool.this.abandoned.add(lost.size());
			for (AbandonedTask task : lost) {
				logger.warn("Pool '{}' abandoned task '{}' ({}) at shutdown", getName(), task.taskId(),
						task.reason().tagValue());
			}
			return new PoolDrain(getName(), WorkerPool.this.completed.sum() - this.completedBefore,
					List.copyOf(lost), Duration.ofNanos(System.nanoTime() - this.start));
		}

	}

	private String generatedId() {
		return this.spec.name() + "-" + this.generatedIds.incrementAndGet();
	}

	private <T> CompletableFuture<T> dispatch(PoolTask<T> task) {
		try {
			this.executor.execute(task);
		}
		catch (RejectedExecutionException ex) {
			whenFull(task);
		}
		return task.future;
	}

	private void whenFull(PoolTask<?> task) {
		if (this.executor.isShutdown()) {
			throw reject(task, "is shutting down");
		}
		switch (this.spec.whenFull()) {
			case CALLER_RUNS -> task.run();
			case WAIT -> waitForRoom(task);
			default -> throw reject(task, "is full");
		}
	}

	private void waitForRoom(PoolTask<?> task) {
		boolean queued;
		try {
			queued = this.executor.getQueue().offer(task, this.spec.waitTimeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw reject(task, "is full (interrupted while waiting)");
		}
		if (!queued) {
			throw reject(task, "is full after waiting " + this.spec.waitTimeout().toMillis() + " ms");
		}
		if (this.executor.isShutdown() && this.executor.remove(task)) {
			throw reject(task, "is shutting down");
		}
		// Workers may all have retired (keep-alive) while the task went around execute().
		if (this.executor.getPoolSize() == 0) {
			this.executor.prestartCoreThread();
		}
	}

	private PoolFullException reject(PoolTask<?> task, String why) {
		this.rejected.increment();
		PoolFullException ex = new PoolFullException(getName(),
				"Pool '" + getName() + "' " + why + "; task '" + task.id + "' refused");
		Observation submitter = this.observations.getCurrentObservation();
		if (submitter != null) {
			submitter.event(Observation.Event.of("sluice.pool.rejected", "pool " + getName() + " rejected a task"));
		}
		task.observed("rejected", ex);
		task.future.completeExceptionally(ex);
		return ex;
	}

	private void enqueueRetry(PoolTask<?> task) {
		try {
			this.executor.execute(task);
		}
		catch (RejectedExecutionException ex) {
			if (this.executor.isShutdown()) {
				// Accepted once, so it is reported rather than refused.
				task.future.completeExceptionally(new CancellationException("pool " + getName() + " shut down"));
				this.abandonedWhileDraining.add(task.abandoned(Reason.NEVER_STARTED));
			}
			else {
				reject(task, "is full (retry)");
			}
		}
	}

	/**
	 * Puts a task that failed during the drain straight back into the queue, without its backoff. After
	 * {@code shutdown()} a {@link ThreadPoolExecutor} still runs what is queued; only {@code execute} refuses.
	 */
	private void requeueWhileDraining(PoolTask<?> task) {
		task.enqueuedNanos = System.nanoTime();
		if (!this.executor.isShutdown()) {
			try {
				this.executor.execute(task);
				return;
			}
			catch (RejectedExecutionException ex) {
				// shut down meanwhile, or full: try the queue, else report it below
			}
		}
		if (!this.abandoning && this.executor.getQueue().offer(task)) {
			if (this.executor.getPoolSize() == 0) {
				this.executor.prestartCoreThread();
			}
			// shutdownNow() may have emptied the queue just before the offer: then it is ours to report.
			if (!this.abandoning || !this.executor.remove(task)) {
				return;
			}
		}
		task.future.completeExceptionally(new CancellationException("pool " + getName() + " shut down"));
		this.abandonedWhileDraining.add(task.abandoned(Reason.NEVER_STARTED));
	}

	private static Callable<Void> asCallable(Runnable task) {
		return () -> {
			task.run();
			return null;
		};
	}

	/** A submitted task: its id, its original form, its context and its future. */
	private final class PoolTask<T> implements Runnable {

		final String id;

		final Callable<T> callable;

		final Object original;

		final boolean retryable;

		final TaskContext.Snapshot context;

		final Observation observation;

		final AtomicBoolean unobserved = new AtomicBoolean(true);

		final CompletableFuture<T> future = new CompletableFuture<>();

		volatile long enqueuedNanos = System.nanoTime();

		int attempts;

		PoolTask(String id, Callable<T> callable, Object original, boolean retryable) {
			this.id = id;
			this.callable = callable;
			this.original = original;
			this.retryable = retryable;
			this.context = WorkerPool.this.context.capture();
			this.observation = Observation.createNotStarted(OBSERVATION_NAME, WorkerPool.this.observations)
				.contextualName("pool " + getName())
				.lowCardinalityKeyValue("pool", getName())
				.highCardinalityKeyValue("task.id", id)
				.start();
		}

		@Override
		public void run() {
			if (this.future.isDone()) {
				observed("cancelled", null); // its future was cancelled while it waited
				return;
			}
			long startNanos = System.nanoTime();
			record(WorkerPool.this.queueWait, startNanos - this.enqueuedNanos);
			this.attempts++;
			Attempt attempt = new Attempt(this, Thread.currentThread());
			if (!this.observation.isNoop()) {
				this.observation.event(Observation.Event.of("started", "attempt " + this.attempts + " started"));
			}
			WorkerPool.this.active.incrementAndGet();
			WorkerPool.this.running.add(attempt);
			ScheduledFuture<?> timeout = scheduleTimeout(attempt);
			T result = null;
			Throwable failure = null;
			try (TaskContext.Scope context = this.context.restore();
					Observation.Scope observing = this.observation.openScope();
					RunningTasks.Running registered = WorkerPool.this.runningTasks.start(getName(), this.id)) {
				result = this.callable.call();
			}
			catch (Throwable ex) {
				failure = ex;
			}
			finally {
				Outcome outcome = attempt.finish(failure);
				if (timeout != null) {
					timeout.cancel(false);
				}
				if (outcome == Outcome.TIMED_OUT || outcome == Outcome.ABANDONED || outcome == Outcome.REPORTED) {
					// The timeout's or the drain's interrupt is ours: it must not outlive the task on this thread.
					Thread.interrupted();
				}
				WorkerPool.this.running.remove(attempt);
				WorkerPool.this.active.decrementAndGet();
				record(WorkerPool.this.taskDuration, System.nanoTime() - startNanos);
				complete(outcome, result, failure);
			}
		}

		/** Decides how a run ended; called under the attempt's lock, so the drain sees it settled or running. */
		Outcome outcomeOf(Throwable failure, boolean timedOut) {
			if (WorkerPool.this.abandoning) {
				// Running when the drain ran out and interrupted: whatever it returned, its work may be undone.
				return Outcome.ABANDONED;
			}
			if (failure == null) {
				return Outcome.COMPLETED;
			}
			if (timedOut) {
				return Outcome.TIMED_OUT;
			}
			if (this.retryable && this.attempts < WorkerPool.this.spec.retry().maxAttempts()) {
				return Outcome.RETRY;
			}
			return Outcome.FAILED;
		}

		private void complete(Outcome outcome, T result, Throwable failure) {
			if (outcome != Outcome.RETRY) {
				observed(outcome.tag, failure);
			}
			if (outcome == Outcome.REPORTED || outcome == Outcome.ABANDONED) {
				// Reported as abandoned, so not completed: the future says so too, with how the run ended as cause.
				CancellationException abandoned = new CancellationException(
						"pool " + getName() + " shut down; task '" + this.id + "' was reported as abandoned");
				abandoned.initCause(failure);
				this.future.completeExceptionally(abandoned);
				return;
			}
			if (outcome == Outcome.COMPLETED) {
				WorkerPool.this.completed.increment();
				this.future.complete(result);
			}
			else if (outcome == Outcome.TIMED_OUT) {
				WorkerPool.this.timedOut.increment();
				logger.warn("Pool '{}' interrupted task '{}' after task-timeout {} ms", getName(), this.id,
						WorkerPool.this.spec.taskTimeout().toMillis());
				TimeoutException timedOut = new TimeoutException("Task '" + this.id + "' exceeded task-timeout "
						+ WorkerPool.this.spec.taskTimeout().toMillis() + " ms");
				timedOut.initCause(failure);
				this.future.completeExceptionally(timedOut);
			}
			else if (outcome == Outcome.RETRY) {
				scheduleRetry(failure);
			}
			else {
				WorkerPool.this.failed.increment();
				logger.warn("Pool '{}' task '{}' failed after {} attempt(s)", getName(), this.id, this.attempts,
						failure);
				this.future.completeExceptionally(failure);
			}
		}

		private void scheduleRetry(Throwable failure) {
			Duration backoff = WorkerPool.this.spec.retry().backoffAfter(this.attempts);
			logger.debug("Pool '{}' retries task '{}' in {} ms after: {}", getName(), this.id, backoff.toMillis(),
					failure.toString());
			WorkerPool.this.awaitingRetry.add(this);
			if (WorkerPool.this.draining) {
				// The drain has begun: run it again at once rather than after its backoff.
				if (WorkerPool.this.awaitingRetry.remove(this)) {
					requeueWhileDraining(this);
				}
				return;
			}
			WorkerPool.this.timer.schedule(() -> {
				if (WorkerPool.this.awaitingRetry.remove(this)) {
					this.enqueuedNanos = System.nanoTime();
					enqueueRetry(this);
				}
			}, backoff.toNanos(), TimeUnit.NANOSECONDS);
		}

		private ScheduledFuture<?> scheduleTimeout(Attempt attempt) {
			Duration taskTimeout = WorkerPool.this.spec.taskTimeout();
			if (taskTimeout.isZero()) {
				return null;
			}
			return WorkerPool.this.timer.schedule(attempt::timeOut, taskTimeout.toNanos(), TimeUnit.NANOSECONDS);
		}

		AbandonedTask abandoned(Reason reason) {
			observed("abandoned", null);
			return new AbandonedTask(getName(), this.id, this.original, reason);
		}

		/** Ends the task's observation with its final outcome; only the first call counts. */
		void observed(String outcome, Throwable failure) {
			if (this.unobserved.compareAndSet(true, false)) {
				if (failure != null) {
					this.observation.error(failure);
				}
				this.observation.lowCardinalityKeyValue("outcome", outcome).stop();
			}
		}

		private static void record(Timer timer, long nanos) {
			if (timer != null) {
				timer.record(nanos, TimeUnit.NANOSECONDS);
			}
		}

	}

	/** How one run of a task ended. */
	private enum Outcome {

		COMPLETED("completed"), FAILED("failed"), TIMED_OUT("timed_out"), RETRY("retry"),

		/** Ended after the drain's interrupt, however it ended: reported as abandoned by the worker. */
		ABANDONED("abandoned"),

		/** Still running when the drain gave up: already reported by the drain. */
		REPORTED("abandoned");

		/** The {@code outcome} of the task's observation, as in {@code sluice.pool.tasks}. */
		final String tag;

		Outcome(String tag) {
			this.tag = tag;
		}

	}

	/**
	 * One run of a task on one thread. The timeout interrupts the thread only while this run is still running
	 * (checked under the lock), so an interrupt can never reach the next task on a reused worker. How the run
	 * ended is decided under the same lock, so the drain either sees it still running (and reports it) or
	 * settled (and leaves the report, if any, to the worker): never both, never neither.
	 */
	private final class Attempt {

		final PoolTask<?> task;

		final Thread thread;

		final ReentrantLock lock = new ReentrantLock();

		boolean running = true;

		boolean timedOut;

		boolean abandoned;

		Attempt(PoolTask<?> task, Thread thread) {
			this.task = task;
			this.thread = thread;
		}

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

		Outcome finish(Throwable failure) {
			this.lock.lock();
			try {
				this.running = false;
				if (this.abandoned) {
					return Outcome.REPORTED;
				}
				Outcome outcome = this.task.outcomeOf(failure, this.timedOut);
				if (outcome == Outcome.ABANDONED) {
					WorkerPool.this.abandonedWhileDraining.add(this.task.abandoned(Reason.INTERRUPTED));
				}
				return outcome;
			}
			finally {
				this.lock.unlock();
			}
		}

		/** Marks a run still going after the drain's grace as abandoned; it is then reported, not completed. */
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

}
