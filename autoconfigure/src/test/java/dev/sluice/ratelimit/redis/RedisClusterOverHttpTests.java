package dev.sluice.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.sluice.ratelimit.RateLimiters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Redis store on a real Redis Cluster of three masters that this test starts on
 * loopback, configured the Spring Boot way ({@code spring.data.redis.cluster.nodes}): two
 * instances stay exact on a hot key, and keys spread over every master's slots stay exact
 * too.
 */
class RedisClusterOverHttpTests {

	private static RedisProcesses redis;

	private static List<Integer> ports;

	@BeforeAll
	static void startCluster() throws Exception {
		redis = new RedisProcesses();
		ports = redis.cluster();
	}

	@AfterAll
	static void stopCluster() throws Exception {
		if (redis != null) {
			redis.close();
		}
	}

	@Test
	void twoInstancesOnAClusterAdmitExactlyTheCapacityOfAHotKey() throws Exception {
		String prefix = "sluice:test:" + UUID.randomUUID() + ":";
		try (ConfigurableApplicationContext one = start(prefix); ConfigurableApplicationContext two = start(prefix)) {
			List<Integer> statuses = LimitedApps.concurrently(64,
					(i) -> LimitedApps.request((i % 2 == 0) ? one : two, "/limited/hot").build());
			assertThat(LimitedApps.count(statuses, 200)).isEqualTo(50);
			assertThat(LimitedApps.count(statuses, 429)).isEqualTo(14);
			assertThat(LimitedApps.storeErrors(one, "global") + LimitedApps.storeErrors(two, "global")).isZero();
		}
	}

	@Test
	void keysOnEveryMasterStayExact() throws Exception {
		String prefix = "sluice:test:" + UUID.randomUUID() + ":";
		try (ConfigurableApplicationContext one = start(prefix); ConfigurableApplicationContext two = start(prefix)) {
			// 30 keys, 3 requests each, capacity 2: exactly 60 pass
			List<Integer> statuses = LimitedApps.concurrently(90,
					(i) -> LimitedApps.request((i % 2 == 0) ? one : two, "/limited/keyed")
						.header("X-Key", "key-" + (i % 30))
						.build());
			assertThat(LimitedApps.count(statuses, 200)).isEqualTo(60);
			assertThat(LimitedApps.storeErrors(one, "keyed") + LimitedApps.storeErrors(two, "keyed")).isZero();
			// and the keys live on all three masters, each decision sent to the master of
			// its key's slot
			List<String> perMaster = ports.stream().map((port) -> {
				try {
					return redis.cli(port, "--scan", "--pattern", prefix + "*").trim();
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			}).collect(Collectors.toList());
			assertThat(perMaster).allSatisfy((keys) -> assertThat(keys).isNotEmpty());
			assertThat(String.join("\n", perMaster).lines().filter((key) -> key.startsWith(prefix + "keyed:")))
				.hasSize(30);
		}
	}

	private static ConfigurableApplicationContext start(String prefix) {
		String nodes = ports.stream().map((port) -> "127.0.0.1:" + port).collect(Collectors.joining(","));
		ConfigurableApplicationContext app = LimitedApps.start(List.of("--spring.data.redis.cluster.nodes=" + nodes,
				"--sluice.rate-limit.redis.key-prefix=" + prefix, "--sluice.rate-limit.redis.timeout=2s",
				"--sluice.rate-limit.redis.on-failure=allow", "--sluice.rate-limit.rules[0].name=global",
				"--sluice.rate-limit.rules[0].paths=/limited/hot", "--sluice.rate-limit.rules[0].key=global",
				"--sluice.rate-limit.rules[0].limits[0].capacity=50",
				"--sluice.rate-limit.rules[0].limits[0].refill=50", "--sluice.rate-limit.rules[0].limits[0].period=1h",
				"--sluice.rate-limit.rules[1].name=keyed", "--sluice.rate-limit.rules[1].paths=/limited/keyed",
				"--sluice.rate-limit.rules[1].key=header:X-Key", "--sluice.rate-limit.rules[1].limits[0].capacity=2",
				"--sluice.rate-limit.rules[1].limits[0].refill=2", "--sluice.rate-limit.rules[1].limits[0].period=1h"));
		await().atMost(Duration.ofSeconds(20)).until(() -> app.getBean(RateLimiters.class).isStoreAvailable());
		return app;
	}

}
