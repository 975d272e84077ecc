package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.local.SynchronizationStrategy;

/**
 * Per-key token buckets in this JVM: one bounded Caffeine cache per rule holds at most {@code max-keys}
 * buckets (least recently used beyond that are forgotten) and forgets a key once it has been idle long enough
 * for its bucket to be full again, so a flood of fresh keys cannot exhaust the heap.
 * <p>
 * A bucket guards its state with a lock rather than Bucket4j's default compare-and-swap, which copies the state
 * on every attempt: the critical section is a few arithmetic steps, and a hot key (every request of one client,
 * or a global rule) then costs no allocation per decision.
 */
public class MemoryRateLimitStore implements RateLimitStore {

	private final Map<RateLimitRule, RuleBuckets> buckets = new IdentityHashMap<>();

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
			this.buckets.put(rule, new RuleBuckets(cache, bandwidths(rule), this.timeMeter));
		}
	}

	@Override
	public RateLimitDecision tryConsume(RateLimitRule rule, String key) {
		RuleBuckets buckets = buckets(rule);
		return RateLimitDecision.of(buckets.cache.get(key, buckets.newBucket).tryConsumeAndReturnRemaining(1));
	}

	@Override
	public void refund(RateLimitRule rule, String key) {
		Bucket bucket = buckets(rule).cache.getIfPresent(key);
		if (bucket != null) {
			bucket.addTokens(1);
		}
	}

	@Override
	public long keyCount(RateLimitRule rule) {
		Cache<String, Bucket> cache = buckets(rule).cache;
		cache.cleanUp();
		return cache.estimatedSize();
	}

	private RuleBuckets buckets(RateLimitRule rule) {
		RuleBuckets buckets = this.buckets.get(rule);
		if (buckets == null) {
			throw new IllegalArgumentException("Unknown rule " + rule.name());
		}
		return buckets;
	}

	private static Bandwidth[] bandwidths(RateLimitRule rule) {
		return rule.limits()
			.stream()
			.map((limit) -> Bandwidth.builder()
				.capacity(limit.capacity())
				.refillGreedy(limit.refill(), limit.period())
				.build())
			.toArray(Bandwidth[]::new);
	}

	/** A rule's buckets by key, and how a new key's bucket is made (built once, not per lookup). */
	private static final class RuleBuckets {

		final Cache<String, Bucket> cache;

		final Function<String, Bucket> newBucket;

		RuleBuckets(Cache<String, Bucket> cache, Bandwidth[] bandwidths, TimeMeter timeMeter) {
			this.cache = cache;
			this.newBucket = (key) -> {
				LocalBucketBuilder builder = Bucket.builder();
				for (Bandwidth bandwidth : bandwidths) {
					builder.addLimit(bandwidth);
				}
				return builder.withCustomTimePrecision(timeMeter)
					.withSynchronizationStrategy(SynchronizationStrategy.SYNCHRONIZED)
					.build();
			};
		}

	}

}
