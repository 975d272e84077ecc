package dev.sluice.pool;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.TaskContext;
import io.micrometer.observation.Observation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task submitted to a {@link WorkerPool}: its id, its original form, its context and
 * its future, and its run on a worker, attempt after attempt.
 *
 * @param <T> the result type
 */
final class PoolTask<T> implements Runnable {

	private static final Logger logger = LoggerFactory.getLogger(WorkerPool.class);

	final String id;

	final CompletableFuture<T> future = new CompletableFuture<>();

	volatile long enqueuedNanos = System.nanoTime();

	private final WorkerPool pool;

	private final Callable<T> callable;

	private final Object original;

	private final boolean retryable;

	private final TaskContext.Snapshot context;

	private final Observation observation;

	private final AtomicBoolean unobserved = new AtomicBoolean(true);

	private int attempts;

	PoolTask(WorkerPool pool, String id, Callable<T> callable, Object original, boolean retryable) {
		this.pool = pool;
		this.id = id;
		this.callable = callable;
		this.original = original;
		this.retryable = retryable;
		this.context = pool.context().capture();
		this.observation = Observation.createNotStarted(WorkerPool.OBSERVATION_NAME, pool.observations())
			.contextualName("pool " + pool.getName())
			.lowCardinalityKeyValue("pool", pool.getName())
			.highCardinalityKeyValue("task.id", id)
			.start();
	}

	@Override
	public void run() {
		if (this.future.isDone()) {
			observed("cancelled", null); // its future was cancelled while it waited
			return;
		}
		PoolMeters meters = this.pool.meters();
		TasksInFlight inFlight = this.pool.inFlight();
		long startNanos = System.nanoTime();
		meters.recordQueueWait(startNanos - this.enqueuedNanos);
		this.attempts++;
		Attempt attempt = new Attempt(this, Thread.currentThread());
		if (!this.observation.isNoop()) {
			this.observation.event(Observation.Event.of("started", "attempt " + this.attempts + " started"));
		}
		meters.active.incrementAndGet();
		inFlight.running.add(attempt);
		ScheduledFuture<?> timeout = scheduleTimeout(attempt);
		T result = null;
		Throwable failure = null;
		try (TaskContext.Scope context = this.context.restore();
				Observation.Scope observing = this.observation.openScope();
				RunningTasks.Running registered = this.pool.runningTasks().start(this.pool.getName(), this.id)) {
			result = this.callable.call();
		}
		catch (Throwable ex) {
			failure = ex;
		}
		finally {
			TaskOutcome outcome = attempt.finish(failure);
			if (timeout != null) {
				timeout.cancel(false);
			}
			if (outcome == TaskOutcome.TIMED_OUT || outcome == TaskOutcome.ABANDONED
					|| outcome == TaskOutcome.REPORTED) {
				// The timeout's or the drain's interrupt is ours: it must not outlive the
				// task on this thread.
				Thread.interrupted();
			}
			inFlight.running.remove(attempt);
			meters.active.decrementAndGet();
			meters.recordTaskDuration(System.nanoTime() - startNanos);
			complete(outcome, result, failure);
		}
	}

	/**
	 * Decides how a run ended; called under the attempt's lock, so the drain sees it
	 * settled or running.
	 * @param failure what the run threw, if anything
	 * @param timedOut whether {@code task-timeout} interrupted it
	 * @return the outcome
	 */
	TaskOutcome outcomeOf(Throwable failure, boolean timedOut) {
		if (this.pool.inFlight().abandoning) {
			// Running when the drain ran out and interrupted: whatever it returned, its
			// work may be undone.
			return TaskOutcome.ABANDONED;
		}
		if (failure == null) {
			return TaskOutcome.COMPLETED;
		}
		if (timedOut) {
			return TaskOutcome.TIMED_OUT;
		}
		if (this.retryable && this.attempts < this.pool.getSpec().retry().maxAttempts()) {
			return TaskOutcome.RETRY;
		}
		return TaskOutcome.FAILED;
	}

	private void complete(TaskOutcome outcome, T result, Throwable failure) {
		if (outcome != TaskOutcome.RETRY) {
			observed(outcome.tag, failure);
		}
		if (outcome == TaskOutcome.REPORTED || outcome == TaskOutcome.ABANDONED) {
			// Reported as abandoned, so not completed: the future says so too, with how
			// the run ended as cause.
			CancellationException abandoned = new CancellationException(
					"pool " + this.pool.getName() + " shut down; task '" + this.id + "' was reported as abandoned");
			abandoned.initCause(failure);
			this.future.completeExceptionally(abandoned);
			return;
		}
		PoolMeters meters = this.pool.meters();
		if (outcome == TaskOutcome.COMPLETED) {
			meters.completed.increment();
			this.future.complete(result);
		}
		else if (outcome == TaskOutcome.TIMED_OUT) {
			meters.timedOut.increment();
			long timeoutMillis = this.pool.getSpec().taskTimeout().toMillis();
			logger.warn("Pool '{}' interrupted task '{}' after task-timeout {} ms", this.pool.getName(), this.id,
					timeoutMillis);
			TimeoutException timedOut = new TimeoutException(
					"Task '" + this.id + "' exceeded task-timeout " + timeoutMillis + " ms");
			timedOut.initCause(failure);
			this.future.completeExceptionally(timedOut);
		}
		else if (outcome == TaskOutcome.RETRY) {
			scheduleRetry(failure);
		}
		else {
			meters.failed.increment();
			logger.warn("Pool '{}' task '{}' failed after {} attempt(s)", this.pool.getName(), this.id, this.attempts,
					failure);
			this.future.completeExceptionally(failure);
		}
	}

	private void scheduleRetry(Throwable failure) {
		Duration backoff = this.pool.getSpec().retry().backoffAfter(this.attempts);
		logger.debug("Pool '{}' retries task '{}' in {} ms after: {}", this.pool.getName(), this.id, backoff.toMillis(),
				failure.toString());
		TasksInFlight inFlight = this.pool.inFlight();
		inFlight.awaitingRetry.add(this);
		if (inFlight.draining) {
			// The drain has begun: run it again at once rather than after its backoff.
			if (inFlight.awaitingRetry.remove(this)) {
				this.pool.handover().requeueWhileDraining(this);
			}
			return;
		}
		this.pool.timer().schedule(() -> {
			if (inFlight.awaitingRetry.remove(this)) {
				this.enqueuedNanos = System.nanoTime();
				this.pool.handover().retry(this);
			}
		}, backoff.toNanos(), TimeUnit.NANOSECONDS);
	}

	private ScheduledFuture<?> scheduleTimeout(Attempt attempt) {
		Duration taskTimeout = this.pool.getSpec().taskTimeout();
		if (taskTimeout.isZero()) {
			return null;
		}
		return this.pool.timer().schedule(attempt::timeOut, taskTimeout.toNanos(), TimeUnit.NANOSECONDS);
	}

	/** A run that failed after the drain's interrupt: the worker reports it abandoned. */
	void reportAbandoned() {
		this.pool.inFlight().reportAbandoned(abandoned(UnfinishedTask.Reason.INTERRUPTED));
	}

	/**
	 * The pool shut down before this task could run (again): its future is cancelled and
	 * it is reported.
	 * @param reason why it never completed
	 * @return the report
	 */
	UnfinishedTask cancelAtShutdown(UnfinishedTask.Reason reason) {
		this.future.completeExceptionally(new CancellationException("pool " + this.pool.getName() + " shut down"));
		return abandoned(reason);
	}

	/**
	 * The report of this task as abandoned; ends its observation.
	 * @param reason why it never completed
	 * @return the report
	 */
	UnfinishedTask abandoned(UnfinishedTask.Reason reason) {
		observed("abandoned", null);
		return new UnfinishedTask(this.pool.getName(), this.id, this.original, reason);
	}

	/**
	 * Ends the task's observation with its final outcome; only the first call counts.
	 * @param outcome the outcome
	 * @param failure what the task threw, if anything
	 */
	void observed(String outcome, Throwable failure) {
		if (this.unobserved.compareAndSet(true, false)) {
			if (failure != null) {
				this.observation.error(failure);
			}
			this.observation.lowCardinalityKeyValue("outcome", outcome).stop();
		}
	}

}
