package dev.sluice.shutdown;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.pool.PoolDrain;
import dev.sluice.pool.PoolDrainListener;
import dev.sluice.pool.UnfinishedTask;
import dev.sluice.pool.WorkerPools;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Sluice's ordered shutdown, within one budget ({@code sluice.shutdown.timeout}):
 * <ol>
 * <li>on context close, Spring Boot sets readiness to {@code REFUSING_TRAFFIC}; this
 * lifecycle, the first to stop, then waits {@code readiness-delay} while requests are
 * still served;</li>
 * <li>the web server drains in-flight requests (Spring Boot's graceful shutdown);</li>
 * <li>the worker pools drain, each within its {@code drain-timeout} and the budget left
 * ({@link WorkerPools});</li>
 * <li>task groups still open are cancelled;</li>
 * <li>every task that never completed goes to each {@link AbandonedTaskHandler}, is
 * logged and counted;</li>
 * <li>one summary line is logged.</li>
 * </ol>
 */
public class GracefulShutdown implements SmartLifecycle, ApplicationListener<ContextClosedEvent>, PoolDrainListener {

	/** Stops before everything else, while the web server still serves. */
	public static final int PHASE = Integer.MAX_VALUE;

	private static final Logger logger = LoggerFactory.getLogger(GracefulShutdown.class);

	private final Duration timeout;

	private final Duration readinessDelay;

	private final @Nullable InFlightRequests inFlightRequests;

	private final List<AbandonedTaskHandler> handlers;

	private final List<Runnable> cancellations;

	private final Counter drainedTasks;

	private final Map<AbandonedTask.Reason, Counter> abandonedTasks = new EnumMap<>(AbandonedTask.Reason.class);

	private volatile boolean running;

	private volatile long startNanos;

	private volatile State state = State.RUNNING;

	/**
	 * Creates the shutdown sequence.
	 * @param timeout the budget of the whole sequence
	 * @param readinessDelay time to keep serving after readiness went
	 * {@code REFUSING_TRAFFIC}
	 * @param inFlightRequests the in-flight request counter; none outside a web
	 * application
	 * @param handlers receivers of abandoned tasks
	 * @param cancellations what cancels open task groups
	 * @param meterRegistry where {@code sluice.shutdown.tasks} is counted, if anywhere
	 */
	public GracefulShutdown(Duration timeout, Duration readinessDelay, @Nullable InFlightRequests inFlightRequests,
			List<AbandonedTaskHandler> handlers, List<Runnable> cancellations, @Nullable MeterRegistry meterRegistry) {
		this.timeout = timeout;
		this.readinessDelay = readinessDelay;
		this.inFlightRequests = inFlightRequests;
		this.handlers = List.copyOf(handlers);
		this.cancellations = List.copyOf(cancellations);
		this.drainedTasks = (meterRegistry != null) ? counter("drained").register(meterRegistry) : null;
		if (meterRegistry != null) {
			for (AbandonedTask.Reason reason : AbandonedTask.Reason.values()) {
				this.abandonedTasks.put(reason,
						counter("abandoned").tag("reason", reason.tagValue()).register(meterRegistry));
			}
		}
	}

	private static Counter.Builder counter(String outcome) {
		return Counter.builder("sluice.shutdown.tasks")
			.description("Pool tasks completed during the shutdown drain, or abandoned at its end")
			.tag("outcome", outcome);
	}

	/** The stages a shutdown goes through, for the Actuator endpoint. */
	public enum State {

		/** Serving normally. */
		RUNNING,

		/**
		 * Readiness is refusing traffic; requests are still served during the readiness
		 * delay.
		 */
		READINESS_DELAY,

		/** The web server and the pools are draining. */
		DRAINING,

		/** Done. */
		STOPPED

	}

	/**
	 * Where the shutdown is.
	 * @return the state
	 */
	public State getState() {
		return this.state;
	}

	@Override
	public long drainDeadlineNanos() {
		return budgetDeadlineNanos();
	}

	/**
	 * When the budget runs out, on the {@link System#nanoTime()} clock;
	 * {@link Long#MAX_VALUE} before shutdown.
	 * @return the deadline of the whole sequence
	 */
	public long budgetDeadlineNanos() {
		long start = this.startNanos;
		return (start == 0) ? Long.MAX_VALUE : start + this.timeout.toNanos();
	}

	@Override
	public void onApplicationEvent(ContextClosedEvent event) {
		if (this.startNanos == 0) {
			this.startNanos = System.nanoTime();
			if (this.inFlightRequests != null) {
				this.inFlightRequests.startDraining();
			}
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		if (this.startNanos == 0) {
			onApplicationEvent(null);
		}
		if (!this.readinessDelay.isZero()) {
			this.state = State.READINESS_DELAY;
			logger.info("Readiness is refusing traffic; serving for {} ms more before draining",
					this.readinessDelay.toMillis());
			sleepUpTo(Math.min(this.readinessDelay.toNanos(), budgetDeadlineNanos() - System.nanoTime()));
		}
		this.state = State.DRAINING;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	@Override
	public void drained(List<PoolDrain> drains) {
		this.cancellations.forEach(GracefulShutdown::runQuietly);
		long completed = 0;
		int abandoned = 0;
		for (PoolDrain drain : drains) {
			completed += drain.completed();
			for (UnfinishedTask unfinished : drain.abandoned()) {
				AbandonedTask task = abandonedTask(unfinished);
				abandoned++;
				Counter byReason = this.abandonedTasks.get(task.reason());
				if (byReason != null) {
					byReason.increment();
				}
				for (AbandonedTaskHandler handler : this.handlers) {
					try {
						handler.handle(task);
					}
					catch (RuntimeException ex) {
						logger.error("AbandonedTaskHandler {} failed on task '{}' of pool '{}'", handler, task.taskId(),
								task.pool(), ex);
					}
				}
			}
		}
		if (this.drainedTasks != null) {
			this.drainedTasks.increment(completed);
		}
		long requests = (this.inFlightRequests != null) ? this.inFlightRequests.getDrained() : 0;
		long start = (this.startNanos != 0) ? this.startNanos : System.nanoTime();
		logger.info(
				"Sluice shutdown: {} requests drained, {} tasks completed during drain, {} tasks abandoned, "
						+ "took {} ms",
				requests, completed, abandoned, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
		this.state = State.STOPPED;
	}

	// The pool reports in its own terms; the application gets the shutdown's
	// AbandonedTask.
	private static AbandonedTask abandonedTask(UnfinishedTask task) {
		return new AbandonedTask(task.pool(), task.taskId(), task.task(),
				AbandonedTask.Reason.valueOf(task.reason().name()));
	}

	private static void runQuietly(Runnable cancellation) {
		try {
			cancellation.run();
		}
		catch (RuntimeException ex) {
			logger.warn("Cancelling open task groups failed", ex);
		}
	}

	private static void sleepUpTo(long nanos) {
		if (nanos <= 0) {
			return;
		}
		try {
			TimeUnit.NANOSECONDS.sleep(nanos);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
