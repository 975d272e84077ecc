package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;

class MemoryRateLimitStoreTests {

	private final AtomicLong clock = new AtomicLong(1_000_000_000L);

	@Test
	void aFloodOfAMillionDistinctKeysLeavesAtMostMaxKeysBucketsAndABoundedHeap() {
		RateLimitRule rule = rule(10, 10, Duration.ofMinutes(1));
		MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), 10_000, this.clock::get);
		long before = usedHeapAfterGc();
		for (int i = 0; i < 1_000_000; i++) {
			store.tryConsume(rule, "key-" + i);
		}
		long after = usedHeapAfterGc();
		assertThat(store.keyCount(rule).getAsLong()).isLessThanOrEqualTo(10_000);
		long grownMb = (after - before) / (1024 * 1024);
		System.out.println("Heap grown by a 1,000,000-key flood with max-keys 10,000: " + grownMb + " MB");
		assertThat(grownMb).as("heap growth in MB").isLessThan(64);
	}

	@Test
	void aKeyWhoseBucketHasRefilledIsForgotten() {
		RateLimitRule rule = rule(5, 5, Duration.ofSeconds(10));
		MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), 100, this.clock::get);
		for (int i = 0; i < 5; i++) {
			assertThat(store.tryConsume(rule, "alice").allowed()).isTrue();
		}
		assertThat(store.tryConsume(rule, "alice").allowed()).isFalse();
		this.clock.addAndGet(Duration.ofSeconds(9).toNanos());
		assertThat(store.keyCount(rule).getAsLong()).isEqualTo(1); // not yet full again:
																	// remembered
		this.clock.addAndGet(Duration.ofSeconds(10).toNanos());
		assertThat(store.keyCount(rule).getAsLong()).isZero(); // idle for a full refill:
																// forgotten, losing
																// nothing
		assertThat(store.tryConsume(rule, "alice").remaining()).isEqualTo(4);
	}

	@Test
	void aKeyInUseIsNeverForgottenWhileItsBucketIsShortOfFull() {
		RateLimitRule rule = rule(5, 1, Duration.ofSeconds(2)); // full from empty in 10 s
		MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), 100, this.clock::get);
		int allowed = 0;
		for (int second = 0; second < 120; second++) { // one request a second for two
														// minutes, twelve times the
														// time to full
			if (store.tryConsume(rule, "alice").allowed()) {
				allowed++;
			}
			this.clock.addAndGet(Duration.ofSeconds(1).toNanos());
		}
		// the burst of 5, then one token every 2 s (the last refill comes after the last
		// request): a bucket forgotten while short of full would have let more through
		assertThat(allowed).isEqualTo(5 + 59);
	}

	@Test
	void greedyRefillAndAnHonestWait() {
		RateLimitRule rule = rule(2, 1, Duration.ofSeconds(4));
		MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), 100, this.clock::get);
		store.tryConsume(rule, "k");
		store.tryConsume(rule, "k");
		RateLimitDecision rejected = store.tryConsume(rule, "k");
		assertThat(rejected.allowed()).isFalse();
		assertThat(rejected.retryAfterSeconds()).isEqualTo(4);
		this.clock.addAndGet(Duration.ofMillis(3_500).toNanos());
		RateLimitDecision stillWaiting = store.tryConsume(rule, "k");
		assertThat(stillWaiting.allowed()).isFalse();
		assertThat(stillWaiting.retryAfter()).isEqualTo(Duration.ofMillis(500));
		assertThat(stillWaiting.retryAfterSeconds()).isEqualTo(1); // rounded up, never 0
		this.clock.addAndGet(Duration.ofMillis(500).toNanos());
		assertThat(store.tryConsume(rule, "k").allowed()).isTrue();
	}

	@Test
	void concurrentConsumersTakeExactlyCapacityTokens() throws Exception {
		RateLimitRule rule = rule(1_000, 1, Duration.ofHours(1));
		MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), 100, System::nanoTime);
		AtomicLong allowed = new AtomicLong();
		Thread[] threads = new Thread[16];
		for (int t = 0; t < threads.length; t++) {
			threads[t] = new Thread(() -> {
				for (int i = 0; i < 500; i++) {
					if (store.tryConsume(rule, "shared").allowed()) {
						allowed.incrementAndGet();
					}
				}
			});
			threads[t].start();
		}
		for (Thread thread : threads) {
			thread.join();
		}
		assertThat(allowed).hasValue(1_000);
	}

	@Test
	void eachLimitsNextTokenMatchesAnExactModelOfGreedyRefill() {
		// 3 tokens per 7 s (a token every 2.33... s, never a whole number of nanoseconds)
		// within 7 per 10 s
		matchesTheExactModel(new Limit(5, 3, Duration.ofSeconds(7)), new Limit(7, 7, Duration.ofSeconds(10)));
	}

	@Test
	void aSingleLimitsNextTokenMatchesAnExactModelOfGreedyRefill() {
		matchesTheExactModel(new Limit(4, 3, Duration.ofSeconds(7)));
	}

	private void matchesTheExactModel(Limit... limits) {
		RateLimitRule rule = rule(limits);
		MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), 100, this.clock::get);
		ExactBucket[] model = new ExactBucket[limits.length];
		for (int i = 0; i < limits.length; i++) {
			model[i] = new ExactBucket(limits[i]);
		}
		Random random = new Random(22);
		int rejected = 0;
		for (int step = 0; step < 5_000; step++) {
			long elapsed = (long) (random.nextDouble() * random.nextDouble() * 3e9);
			this.clock.addAndGet(elapsed);
			boolean expectAllowed = true;
			for (ExactBucket bucket : model) {
				bucket.refill(elapsed);
				expectAllowed &= bucket.hasToken();
			}
			long wait = 0;
			for (ExactBucket bucket : model) {
				if (expectAllowed) {
					bucket.take();
				}
				else if (!bucket.hasToken()) {
					wait = Math.max(wait, bucket.nanosToNextToken());
				}
			}
			RateLimitDecision decision = store.tryConsume(rule, "k");
			assertThat(decision.allowed()).as("step %d", step).isEqualTo(expectAllowed);
			assertThat(decision.limitCount()).isEqualTo(limits.length);
			rejected += expectAllowed ? 0 : 1;
			for (int i = 0; i < model.length; i++) {
				assertThat(decision.remaining(i)).as("step %d limit %d", step, i).isEqualTo(model[i].tokens());
				assertThat(decision.nanosToNextToken(i)).as("step %d limit %d", step, i)
					.isBetween(model[i].nanosToNextToken() - 1, model[i].nanosToNextToken() + 1);
				assertThat(decision.exceeded(i)).isEqualTo(!expectAllowed && !model[i].hasToken());
			}
			if (!expectAllowed) {
				assertThat(decision.retryAfter().toNanos()).isBetween(wait - 1, wait + 1);
				assertThat(decision.nanosToNextToken(decision.bindingLimit()))
					.isEqualTo(decision.retryAfter().toNanos());
			}
			else {
				assertThat(decision.bindingLimit()).isEqualTo(-1);
			}
		}
		assertThat(rejected).as("rejections seen").isGreaterThan(500);
	}

	@Test
	void aFullBucketHasNoNextTokenAndARejectedRequestTakesNoTokenFromAnyLimit() {
		RateLimitRule rule = rule(new Limit(5, 5, Duration.ofMinutes(1)), new Limit(1, 1, Duration.ofHours(1)));
		MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), 100, this.clock::get);
		RateLimitDecision first = store.tryConsume(rule, "k");
		assertThat(first.allowed()).isTrue();
		assertThat(first.remaining(0)).isEqualTo(4);
		assertThat(first.secondsToNextToken(0)).isEqualTo(12);
		assertThat(first.remaining(1)).isZero();
		assertThat(first.secondsToNextToken(1)).isEqualTo(3_600);
		assertThat(first.bindingLimit()).isEqualTo(-1);
		this.clock.addAndGet(Duration.ofMinutes(1).toNanos()); // the minute's bucket is
																// full again
		for (int i = 0; i < 3; i++) {
			RateLimitDecision rejected = store.tryConsume(rule, "k");
			assertThat(rejected.allowed()).isFalse();
			assertThat(rejected.remaining(0)).isEqualTo(5); // given back every time:
															// never 4, 3, ...
			assertThat(rejected.nanosToNextToken(0)).isZero();
			assertThat(rejected.exceeded(0)).isFalse();
			assertThat(rejected.exceeded(1)).isTrue();
			assertThat(rejected.bindingLimit()).isEqualTo(1);
			assertThat(rejected.retryAfterSeconds()).isEqualTo(3_540);
		}
		store.refund(rule, "k"); // another rule rejected a request this one allowed:
									// every limit gets its token
		RateLimitDecision afterRefund = store.tryConsume(rule, "k");
		assertThat(afterRefund.allowed()).isTrue();
		assertThat(afterRefund.remaining(0)).isEqualTo(4);
	}

	@Test
	void concurrentConsumersOfATwoLimitRuleTakeExactlyTheTighterCapacityAndLoseNoToken() throws Exception {
		RateLimitRule rule = rule(new Limit(1_000, 1, Duration.ofHours(1)), new Limit(300, 1, Duration.ofHours(1)));
		MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), 100, this.clock::get);
		AtomicLong allowed = new AtomicLong();
		Thread[] threads = new Thread[16];
		for (int t = 0; t < threads.length; t++) {
			threads[t] = new Thread(() -> {
				for (int i = 0; i < 500; i++) {
					if (store.tryConsume(rule, "shared").allowed()) {
						allowed.incrementAndGet();
					}
				}
			});
			threads[t].start();
		}
		for (Thread thread : threads) {
			thread.join();
		}
		assertThat(allowed).hasValue(300);
		// 7,700 rejections each took and gave back a token of the wider limit: exactly
		// 700 are left
		assertThat(store.tryConsume(rule, "shared").remaining(0)).isEqualTo(700);
	}

	private static long usedHeapAfterGc() {
		Runtime runtime = Runtime.getRuntime();
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return runtime.totalMemory() - runtime.freeMemory();
	}

	static RateLimitRule rule(long capacity, long refill, Duration period) {
		return rule(new Limit(capacity, refill, period));
	}

	static RateLimitRule rule(Limit... limits) {
		return new RateLimitRule("test", List.of(PathPatternParser.defaultInstance.parse("/**")), Set.of(), "",
				(request) -> "k", OnMissingKey.IP, List.of(limits));
	}

	/**
	 * Greedy refill in exact integer arithmetic: the level is kept in tokens times the
	 * period in nanoseconds.
	 */
	private static final class ExactBucket {

		private final long capacity;

		private final long refill;

		private final long period;

		private long level;

		ExactBucket(Limit limit) {
			this.capacity = limit.capacity();
			this.refill = limit.refill();
			this.period = limit.period().toNanos();
			this.level = this.capacity * this.period;
		}

		void refill(long nanos) {
			this.level = Math.min(this.capacity * this.period, this.level + nanos * this.refill);
		}

		boolean hasToken() {
			return this.level >= this.period;
		}

		void take() {
			this.level -= this.period;
		}

		long tokens() {
			return this.level / this.period;
		}

		long nanosToNextToken() {
			return (this.level >= this.capacity * this.period) ? 0
					: (this.period - this.level % this.period) / this.refill;
		}

	}

}
