package dev.sluice.pool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.SluiceThreads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;

/**
 * Owns every {@link WorkerPool} of an application context and the one timer thread they
 * share for task timeouts and retry backoff, and drains them all when the context closes:
 * after the web server has stopped (so work submitted by the last requests is drained
 * too) and before Spring Boot's own executors.
 */
public class WorkerPools implements SmartLifecycle, DisposableBean {

	/**
	 * Stops after the web server (graceful drain {@code MAX - 1024}, stop
	 * {@code MAX - 2048}).
	 */
	public static final int PHASE = Integer.MAX_VALUE - 4096;

	/** How long interrupted tasks get to end once a pool's drain-timeout has passed. */
	static final Duration INTERRUPT_GRACE = Duration.ofSeconds(2);

	private static final Logger logger = LoggerFactory.getLogger(WorkerPools.class);

	private final Map<String, WorkerPool> pools = Collections.synchronizedMap(new LinkedHashMap<>());

	private final ScheduledThreadPoolExecutor timer;

	private final JoinableThreads timerThreads = new JoinableThreads(SluiceThreads.platform("pool-timer", true));

	private final RunningTasks runningTasks;

	private final @Nullable MeterRegistry meterRegistry;

	private final List<PoolDrainListener> listeners;

	private final ObservationRegistry observationRegistry;

	private volatile boolean running;

	private volatile List<PoolDrain> lastDrain = List.of();

	/**
	 * Creates the owner of an application's pools.
	 * @param runningTasks the registry of running tasks
	 * @param meterRegistry where pools register their meters, if anywhere
	 * @param listeners told what the drain came to
	 */
	public WorkerPools(RunningTasks runningTasks, @Nullable MeterRegistry meterRegistry,
			List<PoolDrainListener> listeners) {
		this(runningTasks, meterRegistry, listeners, ObservationRegistry.NOOP);
	}

	/**
	 * Creates the owner of an application's pools, whose tasks are observations.
	 * @param runningTasks the registry of running tasks
	 * @param meterRegistry where pools register their meters, if anywhere
	 * @param listeners told what the drain came to
	 * @param observationRegistry where each task is an observation
	 */
	public WorkerPools(RunningTasks runningTasks, @Nullable MeterRegistry meterRegistry,
			List<PoolDrainListener> listeners, ObservationRegistry observationRegistry) {
		this.observationRegistry = observationRegistry;
		this.runningTasks = runningTasks;
		this.meterRegistry = meterRegistry;
		this.listeners = List.copyOf(listeners);
		this.timer = new ScheduledThreadPoolExecutor(1, this.timerThreads);
		this.timer.setRemoveOnCancelPolicy(true);
		this.timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
	}

	/**
	 * Creates a pool and takes ownership of it.
	 * @param spec the pool's settings
	 * @return the pool
	 */
	public WorkerPool create(WorkerPoolSpec spec) {
		WorkerPool pool = new WorkerPool(spec, this.timer, this.runningTasks);
		pool.observeWith(this.observationRegistry);
		if (this.meterRegistry != null) {
			pool.bindTo(this.meterRegistry);
		}
		this.pools.put(spec.name(), pool);
		return pool;
	}

	/**
	 * The pools, in declaration order.
	 * @return the pools
	 */
	public Collection<WorkerPool> getPools() {
		synchronized (this.pools) {
			return List.copyOf(this.pools.values());
		}
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		drainAll();
	}

	/**
	 * Drains whatever a stop did not (a context that failed to start, or was never
	 * started).
	 */
	@Override
	public void destroy() {
		drainAll();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/**
	 * Drains every pool at once, each within its own {@code drain-timeout}, then stops
	 * the timer and tells the listeners. Safe to call more than once; only the first call
	 * drains.
	 * @return one entry per pool
	 */
	public synchronized List<PoolDrain> drainAll() {
		if (this.timer.isShutdown()) {
			return this.lastDrain;
		}
		this.running = false;
		long start = System.nanoTime();
		List<WorkerPool> pools = new ArrayList<>(getPools());
		pools.forEach(WorkerPool::stopAccepting);
		List<PoolDrain> drains = new ArrayList<>();
		try {
			long budget = this.listeners.stream()
				.mapToLong(PoolDrainListener::drainDeadlineNanos)
				.reduce(Long.MAX_VALUE, WorkerPools::earlier);
			// Every pool is interrupted (at its own drain deadline) before any is waited
			// for: tasks that ignore
			// the interrupt cost one grace in all, not one per pool.
			List<Drain> interrupted = new ArrayList<>();
			for (WorkerPool pool : pools) {
				interrupted.add(pool.drainUntil(earlier(start + pool.getSpec().drainTimeout().toNanos(), budget)));
			}
			long graceEnd = System.nanoTime() + INTERRUPT_GRACE.toNanos();
			for (Drain drain : interrupted) {
				drains.add(drain.finish(graceEnd));
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			logger.warn("Interrupted while draining worker pools");
		}
		finally {
			this.timer.shutdownNow();
			awaitTimer();
		}
		this.lastDrain = List.copyOf(drains);
		for (PoolDrainListener listener : this.listeners) {
			listener.drained(this.lastDrain);
		}
		return this.lastDrain;
	}

	// Long.MAX_VALUE means "no deadline"; other values are nanoTime readings, compared by
	// difference.
	private static long earlier(long a, long b) {
		if (a == Long.MAX_VALUE || b == Long.MAX_VALUE) {
			return (Math.min(a, b) == Long.MAX_VALUE) ? Long.MAX_VALUE : ((a == Long.MAX_VALUE) ? b : a);
		}
		return (a - b < 0) ? a : b;
	}

	private void awaitTimer() {
		try {
			this.timer.awaitTermination(1, TimeUnit.SECONDS);
			this.timerThreads.joinAll(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
