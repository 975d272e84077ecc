package dev.sluice.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.OnMissingKey;
import dev.sluice.ratelimit.RateLimitDecision;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RedisRateLimitStore;
import io.lettuce.core.RedisURI;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.web.util.pattern.PathPatternParser;

/**
 * One rate-limit decision against the Redis store on 127.0.0.1:6379 (a read plus a
 * scripted compare-and-set), one thread, next to the memory store's figures in
 * {@link RateLimitBenchmark}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class RedisRateLimitBenchmark {

	private RateLimitRule rule;

	private RedisRateLimitStore store;

	private String[] keys;

	private int next;

	@Setup
	public void setUp() {
		this.rule = new RateLimitRule("bench", List.of(PathPatternParser.defaultInstance.parse("/**")), Set.of(), "",
				(request) -> "k", OnMissingKey.IP,
				List.of(new Limit(1_000_000_000L, 1_000_000_000L, Duration.ofSeconds(1))));
		this.store = new RedisRateLimitStore(RedisURI.create("redis://127.0.0.1:6379"), List.of(this.rule),
				"sluice:bench:" + UUID.randomUUID() + ":", Duration.ofSeconds(1));
		this.keys = new String[1_000];
		for (int i = 0; i < this.keys.length; i++) {
			this.keys[i] = "ip:10.0." + (i >> 8) + "." + (i & 0xFF);
		}
	}

	@TearDown
	public void tearDown() {
		this.store.close();
	}

	@Benchmark
	public RateLimitDecision redisDecision() {
		int index = this.next++;
		if (this.next == this.keys.length) {
			this.next = 0;
		}
		return this.store.tryConsume(this.rule, this.keys[index]);
	}

}
