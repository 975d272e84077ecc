package dev.sluice.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;

import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.OnMissingKey;
import dev.sluice.ratelimit.RateLimitDecision;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimitStoreException;
import dev.sluice.ratelimit.RedisRateLimitStore;
import io.lettuce.core.RedisURI;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis store sends the decisions that arrive on one key while a run for it is at
 * Redis together, as one run: against the Redis on 127.0.0.1:6379, many threads on one
 * key get exactly the capacity, each allowed decision sees its own count of tokens left,
 * Redis runs the script fewer times than there are decisions, and a Redis that stalls
 * past the timeout costs each decision at most about the timeout and leaves the key
 * usable.
 */
class RedisStoreBatchingTests {

	private static final int THREADS = 64;

	@BeforeAll
	static void redisMustAnswer() {
		RedisAvailable.require();
	}

	@Test
	void sixtyFourThreadsOnOneKeyGetTheFiftyTokensEachCountOnceInFewerRuns() throws Exception {
		RateLimitRule rule = rule("hot", new Limit(50, 50, Duration.ofHours(1)));
		try (RedisRateLimitStore store = connected(rule, Duration.ofSeconds(5))) {
			long runsBefore = scriptRuns();
			List<RateLimitDecision> decisions = concurrently(store, rule, THREADS);
			long runs = scriptRuns() - runsBefore;
			List<RateLimitDecision> allowed = decisions.stream().filter(RateLimitDecision::allowed).toList();
			assertThat(allowed).hasSize(50);
			// as 50 decisions one after another: 49 left, then 48, ... then none
			assertThat(allowed.stream().map(RateLimitDecision::remaining))
				.containsExactlyInAnyOrderElementsOf(LongStream.range(0, 50).boxed().toList());
			assertThat(decisions.stream().filter((decision) -> !decision.allowed())).hasSize(THREADS - 50)
				.allSatisfy((rejected) -> {
					assertThat(rejected.remaining()).isZero();
					assertThat(rejected.retryAfterSeconds()).isBetween(1L, 72L);
				});
			assertThat(runs).as("script runs for %d decisions", THREADS).isBetween(1L, THREADS / 2L);
			assertThat(store.tryConsume(rule, "k").allowed()).isFalse();
		}
	}

	@Test
	void aBatchOnATwoLimitRuleGrantsWhatTheBindingLimitHolds() throws Exception {
		RateLimitRule rule = rule("pair", new Limit(100, 100, Duration.ofHours(1)),
				new Limit(20, 20, Duration.ofDays(1)));
		try (RedisRateLimitStore store = connected(rule, Duration.ofSeconds(5))) {
			List<RateLimitDecision> decisions = concurrently(store, rule, THREADS);
			List<RateLimitDecision> allowed = decisions.stream().filter(RateLimitDecision::allowed).toList();
			assertThat(allowed).hasSize(20);
			assertThat(allowed.stream().map((decision) -> decision.remaining(1)))
				.containsExactlyInAnyOrderElementsOf(LongStream.range(0, 20).boxed().toList());
			assertThat(allowed.stream().map((decision) -> decision.remaining(0)))
				.containsExactlyInAnyOrderElementsOf(LongStream.range(80, 100).boxed().toList());
			assertThat(decisions.stream().filter((decision) -> !decision.allowed())).allSatisfy((rejected) -> {
				assertThat(rejected.remaining(0)).isEqualTo(80); // nothing taken where
																	// tokens were left
				assertThat(rejected.bindingLimit()).isEqualTo(1);
			});
		}
	}

	@Test
	void aStalledRedisFailsEachDecisionWithinItsTimeoutAndTheKeyWorksOnceRedisAnswers() throws Exception {
		RateLimitRule rule = rule("stall", new Limit(1_000, 1_000, Duration.ofHours(1)));
		Duration timeout = Duration.ofMillis(200);
		try (RedisRateLimitStore store = connected(rule, timeout)) {
			int threads = 16;
			List<Long> failedAfterMillis = new ArrayList<>();
			pauseRedis(Duration.ofMillis(1_500));
			long pausedAt = System.nanoTime();
			ExecutorService pool = Executors.newFixedThreadPool(threads);
			try {
				CountDownLatch go = new CountDownLatch(1);
				List<Future<Long>> outcomes = new ArrayList<>();
				for (int i = 0; i < threads; i++) {
					outcomes.add(pool.submit(() -> {
						go.await();
						long start = System.nanoTime();
						try {
							store.tryConsume(rule, "k");
							return -1L;
						}
						catch (RateLimitStoreException ex) {
							return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
						}
					}));
				}
				go.countDown();
				for (Future<Long> outcome : outcomes) {
					failedAfterMillis.add(outcome.get(10, TimeUnit.SECONDS));
				}
			}
			finally {
				pool.shutdownNow();
			}
			// every one a store error, at about the timeout, long before the pause ends
			assertThat(failedAfterMillis).allSatisfy((millis) -> assertThat(millis).isBetween(150L, 1_000L));
			assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAt)).isLessThan(1_500L);
			// once Redis answers, the key answers again; the decisions given up before
			// their run was sent took nothing
			RateLimitDecision after = await().atMost(Duration.ofSeconds(10))
				.ignoreException(RateLimitStoreException.class)
				.until(() -> store.tryConsume(rule, "k"), RateLimitDecision::allowed);
			long taken = 1_000 - 1 - after.remaining();
			assertThat(taken).as("tokens taken by the %d stalled decisions", threads).isLessThan(threads / 2);
		}
	}

	private static RateLimitRule rule(String name, Limit... limits) {
		return new RateLimitRule(name, List.of(PathPatternParser.defaultInstance.parse("/**")), Set.of(), "",
				(request) -> "k", OnMissingKey.GLOBAL, List.of(limits));
	}

	private static RedisRateLimitStore connected(RateLimitRule rule, Duration timeout) {
		RedisRateLimitStore store = new RedisRateLimitStore(RedisURI.create("redis://127.0.0.1:6379"), List.of(rule),
				"sluice:test:" + UUID.randomUUID() + ":", timeout);
		await().atMost(Duration.ofSeconds(20)).until(store::isAvailable);
		return store;
	}

	/** One decision per thread, all released at once. */
	private static List<RateLimitDecision> concurrently(RedisRateLimitStore store, RateLimitRule rule, int threads)
			throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			CountDownLatch ready = new CountDownLatch(threads);
			CountDownLatch go = new CountDownLatch(1);
			List<Future<RateLimitDecision>> futures = new ArrayList<>();
			for (int i = 0; i < threads; i++) {
				futures.add(pool.submit(() -> {
					ready.countDown();
					go.await();
					return store.tryConsume(rule, "k");
				}));
			}
			ready.await();
			go.countDown();
			List<RateLimitDecision> decisions = new ArrayList<>();
			for (Future<RateLimitDecision> future : futures) {
				decisions.add(future.get(30, TimeUnit.SECONDS));
			}
			return decisions;
		}
		finally {
			pool.shutdownNow();
		}
	}

	/** How many times Redis has run a script by its SHA ({@code INFO commandstats}). */
	private static long scriptRuns() throws Exception {
		String stats = RedisAvailable.command("INFO commandstats");
		Matcher matcher = Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(stats);
		return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
	}

	private static void pauseRedis(Duration duration) throws Exception {
		assertThat(RedisAvailable.command("CLIENT PAUSE " + duration.toMillis() + " ALL")).startsWith("+OK");
	}

}
