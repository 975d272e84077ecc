package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.List;
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
		assertThat(store.keyCount(rule)).isLessThanOrEqualTo(10_000);
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
		assertThat(store.keyCount(rule)).isEqualTo(1); // not yet full again: remembered
		this.clock.addAndGet(Duration.ofSeconds(10).toNanos());
		assertThat(store.keyCount(rule)).isZero(); // idle for a full refill: forgotten, losing nothing
		assertThat(store.tryConsume(rule, "alice").remaining()).isEqualTo(4);
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

	private static long usedHeapAfterGc() {
		Runtime runtime = Runtime.getRuntime();
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return runtime.totalMemory() - runtime.freeMemory();
	}

	static RateLimitRule rule(long capacity, long refill, Duration period) {
		return new RateLimitRule("test", List.of(PathPatternParser.defaultInstance.parse("/**")), Set.of(), "",
				(request) -> "k", OnMissingKey.IP, List.of(new Limit(capacity, refill, period)));
	}

}
