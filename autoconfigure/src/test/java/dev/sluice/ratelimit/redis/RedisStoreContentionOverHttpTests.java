package dev.sluice.ratelimit.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.sluice.ratelimit.RateLimiters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Acceptance of issue 14 over HTTP: two application instances on one Redis, 64 concurrent
 * clients on one {@code global} key: exactly the capacity is admitted and no decision is
 * a store error, with one limit, with two limits in one rule, and with two overlapping
 * rules where the narrower one's rejections refund the wider one.
 */
class RedisStoreContentionOverHttpTests {

	private static final int CLIENTS = 64;

	@BeforeAll
	static void redisMustAnswer() {
		RedisAvailable.require();
	}

	@Test
	void sixtyFourClientsOnTwoInstancesGetExactlyTheFiftyTokensOfOneLimit() throws Exception {
		String[] rule = { "--sluice.rate-limit.rules[0].name=global", "--sluice.rate-limit.rules[0].paths=/limited/**",
				"--sluice.rate-limit.rules[0].key=global", "--sluice.rate-limit.rules[0].limits[0].capacity=50",
				"--sluice.rate-limit.rules[0].limits[0].refill=50",
				"--sluice.rate-limit.rules[0].limits[0].period=1h" };
		twoInstances(rule, (one, two) -> {
			assertThat(admitted(one, two, "/limited/a")).isEqualTo(50);
			assertThat(storeErrors(one, two, "global")).isZero();
		});
	}

	@Test
	void sixtyFourClientsOnTwoInstancesGetExactlyTheTokensOfTheBindingLimitOfATwoLimitRule() throws Exception {
		String[] rule = { "--sluice.rate-limit.rules[0].name=global", "--sluice.rate-limit.rules[0].paths=/limited/**",
				"--sluice.rate-limit.rules[0].key=global", "--sluice.rate-limit.rules[0].limits[0].capacity=100",
				"--sluice.rate-limit.rules[0].limits[0].refill=100", "--sluice.rate-limit.rules[0].limits[0].period=1h",
				"--sluice.rate-limit.rules[0].limits[1].capacity=50",
				"--sluice.rate-limit.rules[0].limits[1].refill=50",
				"--sluice.rate-limit.rules[0].limits[1].period=1d" };
		twoInstances(rule, (one, two) -> {
			assertThat(admitted(one, two, "/limited/a")).isEqualTo(50);
			assertThat(storeErrors(one, two, "global")).isZero();
		});
	}

	@Test
	void requestsTheNarrowRuleRejectsGiveTheirTokenOfTheWideRuleBack() throws Exception {
		String[] rules = { "--sluice.rate-limit.rules[0].name=wide", "--sluice.rate-limit.rules[0].paths=/limited/**",
				"--sluice.rate-limit.rules[0].key=global", "--sluice.rate-limit.rules[0].limits[0].capacity=50",
				"--sluice.rate-limit.rules[0].limits[0].refill=50", "--sluice.rate-limit.rules[0].limits[0].period=1h",
				"--sluice.rate-limit.rules[1].name=narrow", "--sluice.rate-limit.rules[1].paths=/limited/narrow",
				"--sluice.rate-limit.rules[1].key=global", "--sluice.rate-limit.rules[1].limits[0].capacity=20",
				"--sluice.rate-limit.rules[1].limits[0].refill=20",
				"--sluice.rate-limit.rules[1].limits[0].period=1h" };
		twoInstances(rules, (one, two) -> {
			// 64 on the narrow path: 20 pass both rules; the other 44 took a wide token
			// and gave it back
			assertThat(admitted(one, two, "/limited/narrow")).isEqualTo(20);
			// so the wide rule has exactly 50 - 20 left for everyone else
			assertThat(admitted(one, two, "/limited/wide")).isEqualTo(30);
			assertThat(storeErrors(one, two, "wide") + storeErrors(one, two, "narrow")).isZero();
		});
	}

	private void twoInstances(String[] rules, Check check) throws Exception {
		String prefix = "sluice:test:" + UUID.randomUUID() + ":";
		try (ConfigurableApplicationContext one = start(prefix, rules);
				ConfigurableApplicationContext two = start(prefix, rules)) {
			// connected before the clients start, so the first answers do not race the
			// connection
			await().atMost(Duration.ofSeconds(10))
				.until(() -> one.getBean(RateLimiters.class).isStoreAvailable()
						&& two.getBean(RateLimiters.class).isStoreAvailable());
			check.accept(one, two);
		}
	}

	/**
	 * 64 clients at once, half to each instance, one request each: how many were answered
	 * 200.
	 */
	private static long admitted(ConfigurableApplicationContext one, ConfigurableApplicationContext two, String path)
			throws Exception {
		List<Integer> statuses = LimitedApps.concurrently(CLIENTS,
				(i) -> LimitedApps.request((i % 2 == 0) ? one : two, path).build());
		assertThat(statuses).allSatisfy((status) -> assertThat(status).isIn(200, 429));
		return LimitedApps.count(statuses, 200);
	}

	private static double storeErrors(ConfigurableApplicationContext one, ConfigurableApplicationContext two,
			String rule) {
		return LimitedApps.storeErrors(one, rule) + LimitedApps.storeErrors(two, rule);
	}

	private static ConfigurableApplicationContext start(String prefix, String[] rules) {
		List<String> args = new ArrayList<>(
				List.of("--spring.data.redis.port=6379", "--sluice.rate-limit.redis.key-prefix=" + prefix,
						// generous for a loaded 2-core machine: one round trip per
						// decision needs no more, while
						// compare-and-swap retries on one key outlast any timeout
						"--sluice.rate-limit.redis.timeout=2s", "--sluice.rate-limit.redis.on-failure=allow"));
		args.addAll(List.of(rules));
		return LimitedApps.start(args);
	}

	@FunctionalInterface
	private interface Check {

		void accept(ConfigurableApplicationContext one, ConfigurableApplicationContext two) throws Exception;

	}

}
