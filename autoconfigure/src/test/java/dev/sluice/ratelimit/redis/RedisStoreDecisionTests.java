package dev.sluice.ratelimit.redis;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

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
 * The Redis store reports each limit of a rule on its own, as the {@code RateLimit}
 * header needs, against the Redis on 127.0.0.1:6379 (real time: the bounds allow a slow
 * machine a few seconds).
 */
class RedisStoreDecisionTests {

	@BeforeAll
	static void redisMustAnswer() {
		RedisAvailable.require();
	}

	@Test
	void eachLimitReportsItsOwnTokensAndNextTokenAndTheBindingOneSetsTheWait() {
		// a token every 720 s within a token every 1,800 s
		RateLimitRule rule = new RateLimitRule("pair", List.of(PathPatternParser.defaultInstance.parse("/**")),
				Set.of(), "", (request) -> "k", OnMissingKey.GLOBAL,
				List.of(new Limit(5, 5, Duration.ofHours(1)), new Limit(2, 2, Duration.ofHours(1))));
		String prefix = "sluice:test:" + UUID.randomUUID() + ":";
		try (RedisRateLimitStore store = new RedisRateLimitStore(RedisURI.create("redis://127.0.0.1:6379"),
				List.of(rule), prefix, Duration.ofSeconds(5))) {
			AtomicReference<RateLimitDecision> first = new AtomicReference<>();
			await().atMost(Duration.ofSeconds(20)).ignoreException(RateLimitStoreException.class).until(() -> {
				first.set(store.tryConsume(rule, "k")); // fails until the background
														// connection is up
				return true;
			});
			assertThat(first.get().allowed()).isTrue();
			assertThat(first.get().limitCount()).isEqualTo(2);
			assertThat(first.get().remaining(0)).isEqualTo(4);
			assertThat(first.get().secondsToNextToken(0)).isBetween(715L, 720L);
			assertThat(first.get().remaining(1)).isEqualTo(1);
			assertThat(first.get().secondsToNextToken(1)).isBetween(1_795L, 1_800L);
			RateLimitDecision second = store.tryConsume(rule, "k");
			assertThat(second.remaining(0)).isEqualTo(3);
			assertThat(second.remaining(1)).isZero();
			RateLimitDecision rejected = store.tryConsume(rule, "k");
			assertThat(rejected.allowed()).isFalse();
			assertThat(rejected.remaining(0)).isEqualTo(3); // nothing taken from the
															// limit that had tokens
			assertThat(rejected.exceeded(0)).isFalse();
			assertThat(rejected.exceeded(1)).isTrue();
			assertThat(rejected.bindingLimit()).isEqualTo(1);
			assertThat(rejected.retryAfterSeconds()).isBetween(1_795L, 1_800L)
				.isEqualTo(rejected.secondsToNextToken(1));
		}
	}

}
