package dev.sluice.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.ratelimit.MemoryRateLimitStore;
import dev.sluice.ratelimit.RateLimitDecision;
import dev.sluice.ratelimit.RateLimitRule;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One key taken from by every thread at once, as in the load run (all load from one
 * client address) or under a global rule: the contended case that the single-threaded
 * {@link RateLimitBenchmark} does not show. Four threads on the two cores of the
 * project's machine, so a thread holding a bucket's lock can be descheduled.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(4)
@State(Scope.Benchmark)
public class HotKeyBenchmark {

	private RateLimitRule rule;

	private MemoryRateLimitStore store;

	@Setup
	public void setUp() {
		this.rule = RateLimitBenchmark.rule("hot", "/hello");
		this.store = new MemoryRateLimitStore(List.of(this.rule), 100_000);
	}

	@Benchmark
	public RateLimitDecision oneKeyFourThreads() {
		return this.store.tryConsume(this.rule, "ip:127.0.0.1");
	}

}
