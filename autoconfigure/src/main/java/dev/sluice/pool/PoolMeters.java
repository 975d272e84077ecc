package dev.sluice.pool;

import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;

/**
 * What a {@link WorkerPool} counts: tasks by outcome, tasks running now, and the two
 * timers; registered as {@code sluice.pool.*} meters (and Micrometer's {@code executor.*}
 * for platform pools) once bound.
 */
final class PoolMeters {

	final AtomicInteger active = new AtomicInteger();

	final LongAdder completed = new LongAdder();

	final LongAdder failed = new LongAdder();

	final LongAdder timedOut = new LongAdder();

	final LongAdder rejected = new LongAdder();

	final LongAdder abandoned = new LongAdder();

	private volatile Timer queueWait;

	private volatile Timer taskDuration;

	void bindTo(MeterRegistry registry, WorkerPoolSpec spec, ThreadPoolExecutor executor) {
		Tags pool = Tags.of("pool", spec.name());
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
		Gauge.builder("sluice.pool.queued", executor, (queued) -> queued.getQueue().size())
			.description("Tasks waiting in the queue")
			.tags(pool)
			.register(registry);
		if (spec.threads() == ThreadKind.PLATFORM) {
			new ExecutorServiceMetrics(executor, spec.name(), Tags.empty()).bindTo(registry);
		}
	}

	void recordQueueWait(long nanos) {
		record(this.queueWait, nanos);
	}

	void recordTaskDuration(long nanos) {
		record(this.taskDuration, nanos);
	}

	private static void record(Timer timer, long nanos) {
		if (timer != null) {
			timer.record(nanos, TimeUnit.NANOSECONDS);
		}
	}

	private static void outcome(MeterRegistry registry, Tags pool, String outcome, LongAdder count) {
		FunctionCounter.builder("sluice.pool.tasks", count, LongAdder::sum)
			.description("Tasks that left the pool, by outcome")
			.tags(pool.and("outcome", outcome))
			.register(registry);
	}

}
