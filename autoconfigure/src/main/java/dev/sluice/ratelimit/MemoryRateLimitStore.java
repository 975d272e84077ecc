package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.SynchronizationStrategy;

/**
 * Per-key token buckets in this JVM: one bounded Caffeine cache per rule holds at most
 * {@code max-keys} buckets (least recently used beyond that are forgotten) and forgets a
 * key once it has been idle long enough for its bucket to be full again, so a flood of
 * fresh keys cannot exhaust the heap.
 * <p>
 * Keys expire a fixed time after they were last written, not after each read: a decision
 * re-writes its key once the key is {@code max(time-to-full / 8, 2 s)} old, and a key
 * lives for the rule's time to fill from empty plus that much, so an entry always
 * outlives the moment its bucket is full again (and an idle key is forgotten at most that
 * much after). Expiry after access would have Caffeine record every read in its read
 * buffer and write the key's access time; without it, a cache less than half full answers
 * a read from its map alone (Caffeine's read fast path), which is what a hot key costs on
 * every request (see BENCHMARKS.md).
 * <p>
 * A key holds one single-limit Bucket4j bucket per limit of the rule, so each limit's
 * remaining tokens and time to its next token can be read from its own answer (the
 * {@code RateLimit} header sends one item per limit). One lock per key makes a decision
 * over all of them atomic, as one multi-limit bucket would be: a limit without a token
 * gives back the tokens the others took before anyone else sees them. A lock rather than
 * Bucket4j's default compare-and-swap, which copies the state on every attempt: the
 * critical section is a few arithmetic steps, and a hot key (every request of one client,
 * or a global rule) then costs no copy of its state per decision.
 */
public class MemoryRateLimitStore implements RateLimitStore {

	// Caffeine moves a key's write time only when it changes by more than a second
	private static final long MIN_REWRITE_NANOS = TimeUnit.SECONDS.toNanos(2);

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
			long rewriteAfter = Math.max(rule.timeToFull().toNanos() / 8, MIN_REWRITE_NANOS);
			Cache<String, KeyBuckets> cache = Caffeine.newBuilder()
				.maximumSize(maxKeys)
				.expireAfterWrite(Duration.ofNanos(saturatedAdd(rule.timeToFull().toNanos(), rewriteAfter)))
				.ticker(nanoClock::getAsLong)
				.executor(Runnable::run) // maintenance on the calling thread: no pool
											// thread of unknown owner
				.build();
			this.buckets.put(rule, new RuleBuckets(cache, rule.limits().toArray(Limit[]::new), this.timeMeter,
					nanoClock, rewriteAfter));
		}
	}

	@Override
	public RateLimitDecision tryConsume(RateLimitRule rule, String key) {
		RuleBuckets buckets = buckets(rule);
		KeyBuckets keyBuckets = buckets.cache.get(key, buckets.newBuckets);
		buckets.keep(key, keyBuckets);
		Limit[] limits = buckets.limits;
		if (limits.length == 1) {
			return tryConsumeOne(rule, limits[0], keyBuckets);
		}
		long[] remaining = new long[limits.length];
		long[] nanosToNextToken = new long[limits.length];
		boolean allowed = true;
		keyBuckets.lock.lock();
		try {
			for (int i = 0; i < limits.length; i++) {
				ConsumptionProbe probe = keyBuckets.limits[i].tryConsumeAndReturnRemaining(1);
				remaining[i] = probe.getRemainingTokens();
				if (probe.isConsumed()) {
					nanosToNextToken[i] = nanosToNextToken(limits[i], remaining[i], probe.getNanosToWaitForReset());
					if (!allowed) {
						giveBack(keyBuckets, limits, i, remaining, nanosToNextToken);
					}
				}
				else {
					nanosToNextToken[i] = probe.getNanosToWaitForRefill();
					if (allowed) {
						allowed = false;
						for (int taken = 0; taken < i; taken++) {
							giveBack(keyBuckets, limits, taken, remaining, nanosToNextToken);
						}
					}
				}
			}
		}
		finally {
			keyBuckets.lock.unlock();
		}
		return RateLimitDecision.of(rule, allowed, remaining, nanosToNextToken);
	}

	/** A rule with one limit, the common case: no arrays. */
	private static RateLimitDecision tryConsumeOne(RateLimitRule rule, Limit limit, KeyBuckets keyBuckets) {
		ConsumptionProbe probe;
		keyBuckets.lock.lock();
		try {
			probe = keyBuckets.limits[0].tryConsumeAndReturnRemaining(1);
		}
		finally {
			keyBuckets.lock.unlock();
		}
		long remaining = probe.getRemainingTokens();
		long nanosToNextToken = probe.isConsumed() ? nanosToNextToken(limit, remaining, probe.getNanosToWaitForReset())
				: probe.getNanosToWaitForRefill();
		return RateLimitDecision.of(rule, probe.isConsumed(), remaining, nanosToNextToken);
	}

	/**
	 * Returns the token one limit gave to a request that another limit rejected, and
	 * corrects its figures.
	 */
	private static void giveBack(KeyBuckets keyBuckets, Limit[] limits, int limit, long[] remaining,
			long[] nanosToNextToken) {
		keyBuckets.limits[limit].addTokens(1);
		remaining[limit]++;
		if (remaining[limit] >= limits[limit].capacity()) {
			nanosToNextToken[limit] = 0; // full again: no token to wait for
		}
	}

	/**
	 * Time to a single-limit bucket's next token, from Bucket4j's time until it is full:
	 * greedy refill brings the tokens still missing after the next one at an even pace.
	 * Bucket4j rounds both figures down to the nanosecond, so this is within a nanosecond
	 * of the exact time.
	 */
	static long nanosToNextToken(Limit limit, long remaining, long nanosToFull) {
		long missing = limit.capacity() - remaining;
		if (missing <= 0) {
			return 0;
		}
		return Math.max(1, nanosToFull - limit.nanosToRefill(missing - 1));
	}

	private static long saturatedAdd(long a, long b) {
		long sum = a + b;
		return (sum < 0) ? Long.MAX_VALUE : sum;
	}

	@Override
	public void refund(RateLimitRule rule, String key) {
		KeyBuckets keyBuckets = buckets(rule).cache.getIfPresent(key);
		if (keyBuckets != null) {
			keyBuckets.lock.lock();
			try {
				for (Bucket bucket : keyBuckets.limits) {
					bucket.addTokens(1);
				}
			}
			finally {
				keyBuckets.lock.unlock();
			}
		}
	}

	@Override
	public OptionalLong keyCount(RateLimitRule rule) {
		Cache<String, KeyBuckets> cache = buckets(rule).cache;
		cache.cleanUp();
		return OptionalLong.of(cache.estimatedSize());
	}

	private RuleBuckets buckets(RateLimitRule rule) {
		RuleBuckets buckets = this.buckets.get(rule);
		if (buckets == null) {
			throw new IllegalArgumentException("Unknown rule " + rule.name());
		}
		return buckets;
	}

	/**
	 * A rule's buckets by key, and how a new key's buckets are made (built once, not per
	 * lookup).
	 */
	private static final class RuleBuckets {

		final Cache<String, KeyBuckets> cache;

		final Limit[] limits;

		final Function<String, KeyBuckets> newBuckets;

		private final LongSupplier clock;

		private final long rewriteAfter;

		RuleBuckets(Cache<String, KeyBuckets> cache, Limit[] limits, TimeMeter timeMeter, LongSupplier clock,
				long rewriteAfter) {
			this.cache = cache;
			this.limits = limits;
			this.clock = clock;
			this.rewriteAfter = rewriteAfter;
			Bandwidth[] bandwidths = new Bandwidth[limits.length];
			for (int i = 0; i < limits.length; i++) {
				bandwidths[i] = Bandwidth.builder()
					.capacity(limits[i].capacity())
					.refillGreedy(limits[i].refill(), limits[i].period())
					.build();
			}
			this.newBuckets = (key) -> {
				Bucket[] buckets = new Bucket[bandwidths.length];
				for (int i = 0; i < bandwidths.length; i++) {
					// guarded by the key's lock, so the buckets need no synchronization
					// of their own
					buckets[i] = Bucket.builder()
						.addLimit(bandwidths[i])
						.withCustomTimePrecision(timeMeter)
						.withSynchronizationStrategy(SynchronizationStrategy.NONE)
						.build();
				}
				return new KeyBuckets(buckets, clock.getAsLong());
			};
		}

		/**
		 * Re-writes a key about to be decided on once it is {@link #rewriteAfter} old, so
		 * that it expires no sooner than the rule's time to full after this decision: one
		 * thread does it, and only while the cache still holds these buckets.
		 */
		void keep(String key, KeyBuckets keyBuckets) {
			long now = this.clock.getAsLong();
			long written = keyBuckets.writtenAt;
			if (now - written > this.rewriteAfter && KeyBuckets.WRITTEN_AT.compareAndSet(keyBuckets, written, now)) {
				this.cache.asMap().replace(key, keyBuckets, keyBuckets);
			}
		}

	}

	/**
	 * One key's bucket per limit, and the lock every decision and refund on them holds.
	 */
	private static final class KeyBuckets {

		static final AtomicLongFieldUpdater<KeyBuckets> WRITTEN_AT = AtomicLongFieldUpdater.newUpdater(KeyBuckets.class,
				"writtenAt");

		final ReentrantLock lock = new ReentrantLock();

		final Bucket[] limits;

		// when the cache last wrote this key (the store's clock), so when it expires
		volatile long writtenAt;

		KeyBuckets(Bucket[] limits, long writtenAt) {
			this.limits = limits;
			this.writtenAt = writtenAt;
		}

	}

}
