package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LocalBucketBuilder;

/**
 * Per-key token buckets in this JVM: one bounded Caffeine cache per rule holds at most {@code max-keys}
 * buckets (least recently used beyond that are forgotten) and forgets a key once it has been idle long enough
 * for its bucket to be full again, so a flood of fresh keys cannot exhaust the heap.
 */
public class MemoryRateLimitStore implements RateLimitStore {

	private final Map<RateLimitRule, Cache<String, Bucket>> buckets = new HashMap<>();

	private final TimeMeter timeMeter;

	/**
	 * Creates the store on the system's monotonic clock.
	 * @param rules the rules it serves
	 * @param maxKeys the most keys held per rule
	 */
	public MemoryRateLimitStore(List<RateLimitRule> rules, long maxKeys) {
		this(rules, maxKeys, System::nanoTime);
	}

	/**
	 * Creates the store on a given clock (tests drive time by hand).
	 * @param rules the rules it serves
	 * @param maxKeys the most keys held per rule
	 * @param nanoClock a monotonic clock in nanoseconds
	 */
	public MemoryRateLimitStore(List<RateLimitRule> rules, long maxKeys, LongSupplier nanoClock) {
		this.timeMeter = new TimeMeter() {
			@Override
			public long currentTimeNanos() {
				return nanoClock.getAsLong();
			}

			@Override
			public boolean isWallClockBased() {
				return false;
			}
		};
		for (RateLimitRule rule : rules) {
			Cache<String, Bucket> cache = Caffeine.newBuilder()
				.maximumSize(maxKeys)
				.expireAfterAccess(rule.timeToFull())
				.ticker(nanoClock::getAsLong)
				.executor(Runnable::run) // maintenance on the calling thread: no pool thread of unknown owner
				.build();
			this.buckets.put(rule, cache);
		}
	}

	@Override
	public RateLimitDecision tryConsume(RateLimitRule rule, String key) {
		Bucket bucket = cache(rule).get(key, (ignored) -> newBucket(rule));
		ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
		return new RateLimitDecision(probe.isConsumed(), probe.getRemainingTokens(),
				Duration.ofNanos(probe.isConsumed() ? 0 : probe.getNanosToWaitForRefill()),
				Duration.ofNanos(probe.getNanosToWaitForReset()));
	}

	@Override
	public void refund(RateLimitRule rule, String key) {
		Bucket bucket = cache(rule).getIfPresent(key);
		if (bucket != null) {
			bucket.addTokens(1);
		}
	}

	@Override
	public long keyCount(RateLimitRule rule) {
		Cache<String, Bucket> cache = cache(rule);
		cache.cleanUp();
		return cache.estimatedSize();
	}

	private Cache<String, Bucket> cache(RateLimitRule rule) {
		Cache<String, Bucket> cache = this.buckets.get(rule);
		if (cache == null) {
			throw new IllegalArgumentException("Unknown rule " + rule.name());
		}
		return cache;
	}

	private Bucket newBucket(RateLimitRule rule) {
		LocalBucketBuilder builder = Bucket.builder();
		for (Limit limit : rule.limits()) {
			builder.addLimit(Bandwidth.builder()
				.capacity(limit.capacity())
				.refillGreedy(limit.refill(), limit.period())
				.build());
		}
		return builder.withCustomTimePrecision(this.timeMeter).build();
	}

}
