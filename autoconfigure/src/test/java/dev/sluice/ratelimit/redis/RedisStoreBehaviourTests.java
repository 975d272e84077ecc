package dev.sluice.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.sluice.ratelimit.RateLimitDecision;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimitStore;
import dev.sluice.ratelimit.RateLimitStoreBehaviourTests;
import dev.sluice.ratelimit.RedisRateLimitStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The shared store behaviour against the Redis store on 127.0.0.1:6379, and what only a
 * Redis store does: the key's expiry, deleting a full bucket, and running again after
 * Redis lost its scripts.
 */
class RedisStoreBehaviourTests extends RateLimitStoreBehaviourTests {

	private static RedisClient client;

	private static StatefulRedisConnection<String, String> redis;

	private final String prefix = "sluice:test:" + UUID.randomUUID() + ":";

	@BeforeAll
	static void redisMustAnswer() {
		RedisAvailable.require();
		client = RedisClient.create("redis://127.0.0.1:6379");
		redis = client.connect();
	}

	@AfterAll
	static void disconnect() {
		if (client != null) {
			client.shutdown();
		}
	}

	@Override
	protected RateLimitStore newStore(List<RateLimitRule> rules) {
		RedisRateLimitStore store = new RedisRateLimitStore(RedisURI.create("redis://127.0.0.1:6379"), rules,
				this.prefix, Duration.ofSeconds(2));
		await().atMost(Duration.ofSeconds(10)).until(store::isAvailable);
		return store;
	}

	@Test
	void theKeyExpiresWhenItsBucketWouldBeFullAgainAndAFullBucketIsDeleted() throws Exception {
		RateLimitRule rule = rule(limit(7, 7, Duration.ofHours(1)), limit(2, 1, Duration.ofMinutes(1)));
		try (RedisRateLimitStore store = (RedisRateLimitStore) newStore(List.of(rule))) {
			store.tryConsume(rule, "k");
			String key = this.prefix + rule.name() + ":k";
			// the hourly limit is the slower to refill: one token in 1/7 h, about 514 s
			assertThat(redis.sync().pttl(key)).isBetween(Duration.ofSeconds(500).toMillis(),
					Duration.ofSeconds(515).toMillis());
			store.refund(rule, "k");
			assertThat(redis.sync().exists(key)).isZero();
		}
	}

	@Test
	void aRedisThatLostItsScriptsIsSentTheScriptAgain() throws Exception {
		RateLimitRule rule = rule(limit(3, 3, Duration.ofHours(1)));
		try (RedisRateLimitStore store = (RedisRateLimitStore) newStore(List.of(rule))) {
			assertThat(store.tryConsume(rule, "k").remaining()).isEqualTo(2);
			redis.sync().scriptFlush(); // as after a restart or a failover to a server
										// that never saw it
			RateLimitDecision decision = store.tryConsume(rule, "k");
			assertThat(decision.allowed()).isTrue();
			assertThat(decision.remaining()).isEqualTo(1);
		}
	}

}
