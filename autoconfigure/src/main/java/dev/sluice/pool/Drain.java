package dev.sluice.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain of one {@link WorkerPool} at shutdown, in its two waits.
 * {@link #interruptAt(long)}: until the pool's drain deadline, running and queued tasks
 * finish; then what never started is dropped and what still runs is interrupted.
 * {@link #finish(long)}: until the end of the interrupt grace, interrupted tasks may end;
 * then every task that never completed is reported. {@link WorkerPools} interrupts every
 * pool before it waits for any, so pools stuck on tasks that ignore the interrupt share
 * one grace instead of taking one each.
 */
final class Drain {

	private static final Logger logger = LoggerFactory.getLogger(WorkerPool.class);

	private final WorkerPool pool;

	private final ThreadPoolExecutor executor;

	private final JoinableThreads threads;

	private final long start = System.nanoTime();

	private final long completedBefore;

	private final List<UnfinishedTask> lost = new ArrayList<>();

	private boolean interrupted;

	Drain(WorkerPool pool, ThreadPoolExecutor executor, JoinableThreads threads) {
		this.pool = pool;
		this.executor = executor;
		this.threads = threads;
		this.completedBefore = pool.meters().completed.sum();
	}

	/**
	 * Waits until {@code deadlineNanos} ({@link System#nanoTime()}) for running and
	 * queued tasks; if some are left, drops what never started and interrupts what still
	 * runs at once.
	 * @param deadlineNanos the pool's drain deadline
	 * @return this drain
	 * @throws InterruptedException if the calling thread is interrupted
	 */
	Drain interruptAt(long deadlineNanos) throws InterruptedException {
		this.pool.stopAccepting();
		if (!this.executor.awaitTermination(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) {
			this.pool.inFlight().abandoning = true;
			for (Runnable neverRan : this.executor.shutdownNow()) {
				this.lost.add(((PoolTask<?>) neverRan).cancelAtShutdown(UnfinishedTask.Reason.NEVER_STARTED));
			}
			// shutdownNow() interrupted the workers; a task run on its caller's thread is
			// interrupted here.
			this.pool.inFlight().running.forEach(Attempt::interruptForDrain);
			this.interrupted = true;
		}
		return this;
	}

	/**
	 * Waits until {@code joinDeadlineNanos} for interrupted tasks and for the workers to
	 * exit, then reports every task that never completed.
	 * @param joinDeadlineNanos when to stop waiting ({@link System#nanoTime()})
	 * @return what the drain came to
	 * @throws InterruptedException if the calling thread is interrupted
	 */
	PoolDrain finish(long joinDeadlineNanos) throws InterruptedException {
		TasksInFlight inFlight = this.pool.inFlight();
		if (this.interrupted) {
			this.executor.awaitTermination(Math.max(0, joinDeadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
			// Tasks run on their callers' threads get the same grace; the executor does
			// not wait for them.
			while (!inFlight.running.isEmpty() && joinDeadlineNanos - System.nanoTime() > 0) {
				TimeUnit.MILLISECONDS.sleep(5);
			}
			for (Attempt stuck : inFlight.running) {
				if (stuck.markAbandoned()) {
					this.lost.add(stuck.task.abandoned(UnfinishedTask.Reason.STILL_RUNNING));
				}
			}
		}
		// Only a retry whose requeue raced the drain could still be waiting; like a
		// queued task, its next attempt
		// never started, and it is reported, not left behind.
		for (PoolTask<?> waiting : List.copyOf(inFlight.awaitingRetry)) {
			if (inFlight.awaitingRetry.remove(waiting)) {
				this.lost.add(waiting.cancelAtShutdown(UnfinishedTask.Reason.NEVER_STARTED));
			}
		}
		// A worker stuck past the grace is not waited for again.
		this.threads.joinAll(joinDeadlineNanos);
		this.lost.addAll(inFlight.takeAbandoned());
		this.pool.meters().abandoned.add(this.lost.size());
		for (UnfinishedTask task : this.lost) {
			logger.warn("Pool '{}' abandoned task '{}' ({}) at shutdown", this.pool.getName(), task.taskId(),
					task.reason().tagValue());
		}
		return new PoolDrain(this.pool.getName(), this.pool.meters().completed.sum() - this.completedBefore,
				List.copyOf(this.lost), Duration.ofNanos(System.nanoTime() - this.start));
	}

}
