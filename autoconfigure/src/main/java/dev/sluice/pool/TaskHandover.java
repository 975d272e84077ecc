package dev.sluice.pool;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.micrometer.observation.Observation;

/**
 * How a task gets into a {@link WorkerPool}'s executor: at submit, with the pool's
 * {@code when-full} policy when workers and queue are busy; again for a retry after its
 * backoff; and straight back into the queue when it failed during the drain.
 */
final class TaskHandover {

	private final WorkerPool pool;

	private final ThreadPoolExecutor executor;

	TaskHandover(WorkerPool pool, ThreadPoolExecutor executor) {
		this.pool = pool;
		this.executor = executor;
	}

	<T> void dispatch(PoolTask<T> task) {
		try {
			this.executor.execute(task);
		}
		catch (RejectedExecutionException ex) {
			whenFull(task);
		}
	}

	private void whenFull(PoolTask<?> task) {
		if (this.executor.isShutdown()) {
			throw reject(task, "is shutting down");
		}
		switch (this.pool.getSpec().whenFull()) {
			case CALLER_RUNS -> task.run();
			case WAIT -> waitForRoom(task);
			default -> throw reject(task, "is full");
		}
	}

	private void waitForRoom(PoolTask<?> task) {
		WorkerPoolSpec spec = this.pool.getSpec();
		boolean queued;
		try {
			queued = this.executor.getQueue().offer(task, spec.waitTimeout().toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw reject(task, "is full (interrupted while waiting)");
		}
		if (!queued) {
			throw reject(task, "is full after waiting " + spec.waitTimeout().toMillis() + " ms");
		}
		if (this.executor.isShutdown() && this.executor.remove(task)) {
			throw reject(task, "is shutting down");
		}
		startWorkerIfNoneLeft();
	}

	private PoolFullException reject(PoolTask<?> task, String why) {
		String name = this.pool.getName();
		this.pool.meters().rejected.increment();
		PoolFullException ex = new PoolFullException(name,
				"Pool '" + name + "' " + why + "; task '" + task.id + "' refused");
		Observation submitter = this.pool.observations().getCurrentObservation();
		if (submitter != null) {
			submitter.event(Observation.Event.of("sluice.pool.rejected", "pool " + name + " rejected a task"));
		}
		task.observed("rejected", ex);
		task.future.completeExceptionally(ex);
		return ex;
	}

	/**
	 * Runs a task again after its backoff; accepted once, it is reported rather than
	 * refused at shutdown.
	 */
	void retry(PoolTask<?> task) {
		try {
			this.executor.execute(task);
		}
		catch (RejectedExecutionException ex) {
			if (this.executor.isShutdown()) {
				this.pool.inFlight().reportAbandoned(task.cancelAtShutdown(UnfinishedTask.Reason.NEVER_STARTED));
			}
			else {
				reject(task, "is full (retry)");
			}
		}
	}

	/**
	 * Puts a task that failed during the drain straight back into the queue, without its
	 * backoff. After {@code shutdown()} a {@link ThreadPoolExecutor} still runs what is
	 * queued; only {@code execute} refuses.
	 */
	void requeueWhileDraining(PoolTask<?> task) {
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
		TasksInFlight inFlight = this.pool.inFlight();
		if (!inFlight.abandoning && this.executor.getQueue().offer(task)) {
			startWorkerIfNoneLeft();
			// shutdownNow() may have emptied the queue just before the offer: then it is
			// ours to report.
			if (!inFlight.abandoning || !this.executor.remove(task)) {
				return;
			}
		}
		inFlight.reportAbandoned(task.cancelAtShutdown(UnfinishedTask.Reason.NEVER_STARTED));
	}

	// Workers may all have retired (keep-alive) while the task went around execute().
	private void startWorkerIfNoneLeft() {
		if (this.executor.getPoolSize() == 0) {
			this.executor.prestartCoreThread();
		}
	}

}
