package dev.sluice.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every store must do, run against each ({@code MemoryStoreBehaviourTests},
 * {@code RedisStoreBehaviourTests}) on the real clock: greedy refill, the honest wait,
 * all limits of a rule taken together or not at all, refunds, and exact counts under
 * contention. Bounds on waits are taken from client-side timings, so they hold on a
 * loaded machine.
 */
public abstract class RateLimitStoreBehaviourTests {

	private final List<RateLimitStore> stores = new ArrayList<>();

	/**
	 * A fresh store for the rules, with keys no other test sees.
	 * @param rules the rules
	 * @return the store
	 */
	protected abstract RateLimitStore newStore(List<RateLimitRule> rules);

	@AfterEach
	void closeStores() throws Exception {
		for (RateLimitStore store : this.stores) {
			if (store instanceof AutoCloseable closeable) {
				closeable.close();
			}
		}
	}

	@Test
	void aFullBucketAdmitsItsCapacityThenRejectsWithTheHonestWait() {
		RateLimitRule rule = rule(limit(2, 1, Duration.ofSeconds(40)));
		RateLimitStore store = store(rule);
		long start = System.nanoTime();
		RateLimitDecision first = store.tryConsume(rule, "k");
		RateLimitDecision second = store.tryConsume(rule, "k");
		RateLimitDecision third = store.tryConsume(rule, "k");
		Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
		assertThat(first.allowed()).isTrue();
		assertThat(first.remaining()).isEqualTo(1);
		assertThat(second.allowed()).isTrue();
		assertThat(second.remaining()).isZero();
		assertThat(third.allowed()).isFalse();
		assertThat(third.remaining()).isZero();
		// one token per 40 s, the first taken between start and now
		assertThat(third.retryAfter()).isLessThanOrEqualTo(Duration.ofSeconds(40))
			.isGreaterThanOrEqualTo(Duration.ofSeconds(40).minus(elapsed));
		assertThat(third.retryAfterSeconds()).isBetween(40 - elapsed.toSeconds() - 1, 40L);
		// full again 80 s after the first token was taken
		assertThat(third.reset()).isLessThanOrEqualTo(Duration.ofSeconds(80))
			.isGreaterThanOrEqualTo(Duration.ofSeconds(80).minus(elapsed));
	}

	@Test
	void refillIsGreedyAndATokenComesBackAfterTheWaitAndNotBefore() {
		// two per 2 s, greedily: one token a second, not two every two seconds
		RateLimitRule rule = rule(limit(2, 2, Duration.ofSeconds(2)));
		RateLimitStore store = store(rule);
		long start = System.nanoTime();
		store.tryConsume(rule, "k");
		store.tryConsume(rule, "k");
		RateLimitDecision rejected = store.tryConsume(rule, "k");
		assertThat(rejected.allowed()).isFalse();
		assertThat(rejected.retryAfter()).isLessThanOrEqualTo(Duration.ofSeconds(1)).isPositive();
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> store.tryConsume(rule, "k").allowed());
		// the first token was taken after start, so one second's refill ends after start
		// + 1 s
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(990));
	}

	@Test
	void everyLimitOfARuleIsTakenTogetherAndARejectedRequestTakesFromNone() {
		// the hourly limit has 5; the fast one 3 per 3 s
		RateLimitRule rule = rule(limit(5, 5, Duration.ofHours(1)), limit(3, 3, Duration.ofSeconds(3)));
		RateLimitStore store = store(rule);
		assertThat(store.tryConsume(rule, "k").remaining()).isEqualTo(2);
		assertThat(store.tryConsume(rule, "k").remaining()).isEqualTo(1);
		assertThat(store.tryConsume(rule, "k").remaining()).isZero();
		for (int i = 0; i < 5; i++) {
			RateLimitDecision rejected = store.tryConsume(rule, "k");
			assertThat(rejected.allowed()).isFalse();
			assertThat(rejected.retryAfter()).isLessThanOrEqualTo(Duration.ofSeconds(1));
		}
		// rejected attempts left the hourly limit at 2: two more pass once the fast one
		// refills, then its 1 h wait
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> store.tryConsume(rule, "k").allowed());
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> store.tryConsume(rule, "k").allowed());
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			RateLimitDecision decision = store.tryConsume(rule, "k");
			return !decision.allowed() && decision.retryAfter().compareTo(Duration.ofMinutes(11)) > 0;
		});
	}

	@Test
	void aRefundGivesTheTokenBackButNeverBeyondCapacity() {
		RateLimitRule rule = rule(limit(1, 1, Duration.ofHours(1)));
		RateLimitStore store = store(rule);
		store.refund(rule, "k"); // to a full bucket: nothing
		assertThat(store.tryConsume(rule, "k").allowed()).isTrue();
		assertThat(store.tryConsume(rule, "k").allowed()).isFalse();
		store.refund(rule, "k");
		RateLimitDecision again = store.tryConsume(rule, "k");
		assertThat(again.allowed()).isTrue();
		assertThat(again.remaining()).isZero();
		assertThat(store.tryConsume(rule, "k").allowed()).isFalse();
	}

	@Test
	void keysHaveBucketsOfTheirOwn() {
		RateLimitRule rule = rule(limit(1, 1, Duration.ofHours(1)));
		RateLimitStore store = store(rule);
		assertThat(store.tryConsume(rule, "alice").allowed()).isTrue();
		assertThat(store.tryConsume(rule, "alice").allowed()).isFalse();
		assertThat(store.tryConsume(rule, "bob").allowed()).isTrue();
	}

	@Test
	void sixteenThreadsTakeExactlyTheCapacity() throws Exception {
		RateLimitRule rule = rule(limit(500, 1, Duration.ofHours(1)));
		RateLimitStore store = store(rule);
		AtomicLong allowed = new AtomicLong();
		race(16, () -> {
			for (int i = 0; i < 100; i++) {
				if (store.tryConsume(rule, "shared").allowed()) {
					allowed.incrementAndGet();
				}
			}
		});
		assertThat(allowed).hasValue(500);
	}

	@Test
	void refundsRacingConsumesLoseAndCreateNoToken() throws Exception {
		RateLimitRule rule = rule(limit(20, 1, Duration.ofHours(1)));
		RateLimitStore store = store(rule);
		race(16, () -> {
			for (int i = 0; i < 50; i++) {
				if (store.tryConsume(rule, "shared").allowed()) {
					store.refund(rule, "shared");
				}
			}
		});
		long allowed = 0;
		while (store.tryConsume(rule, "shared").allowed()) {
			allowed++;
		}
		assertThat(allowed).isEqualTo(20);
	}

	private RateLimitStore store(RateLimitRule rule) {
		RateLimitStore store = newStore(List.of(rule));
		this.stores.add(store);
		return store;
	}

	private static void race(int threads, Runnable work) throws InterruptedException {
		CountDownLatch go = new CountDownLatch(1);
		List<Thread> started = new ArrayList<>();
		List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
		for (int t = 0; t < threads; t++) {
			Thread thread = new Thread(() -> {
				try {
					go.await();
					work.run();
				}
				catch (Throwable ex) {
					failures.add(ex);
				}
			}, "store-race-" + t);
			thread.start();
			started.add(thread);
		}
		go.countDown();
		for (Thread thread : started) {
			thread.join();
		}
		assertThat(failures).isEmpty();
	}

	protected static Limit limit(long capacity, long refill, Duration period) {
		return new Limit(capacity, refill, period);
	}

	/**
	 * A rule of a name no other test uses.
	 * @param limits its limits
	 * @return the rule
	 */
	protected static RateLimitRule rule(Limit... limits) {
		return new RateLimitRule("behaviour-" + UUID.randomUUID(),
				List.of(PathPatternParser.defaultInstance.parse("/**")), Set.of(), "", (request) -> "k",
				OnMissingKey.IP, Arrays.asList(limits));
	}

}
