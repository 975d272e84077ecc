package dev.sluice.autoconfigure;

import java.util.List;

import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimitStore;
import dev.sluice.ratelimit.RedisRateLimitStore;
import io.lettuce.core.RedisURI;

import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Builds the Redis store from Spring Boot's {@code spring.data.redis} connection settings. Kept apart so that
 * Lettuce is only loaded when {@code store: redis} and it is on the classpath.
 */
final class RedisStores {

	private RedisStores() {
	}

	static RateLimitStore create(Environment environment, List<RateLimitRule> rules,
			SluiceRateLimitProperties.Redis redis) {
		return new RedisRateLimitStore(uri(environment), rules, redis.getKeyPrefix(), redis.getTimeout());
	}

	private static RedisURI uri(Environment environment) {
		String url = environment.getProperty("spring.data.redis.url");
		if (StringUtils.hasText(url)) {
			return RedisURI.create(url);
		}
		RedisURI.Builder builder = RedisURI.builder()
			.withHost(environment.getProperty("spring.data.redis.host", "localhost"))
			.withPort(environment.getProperty("spring.data.redis.port", Integer.class, 6379))
			.withDatabase(environment.getProperty("spring.data.redis.database", Integer.class, 0))
			.withSsl(environment.getProperty("spring.data.redis.ssl.enabled", Boolean.class, false));
		String password = environment.getProperty("spring.data.redis.password");
		if (StringUtils.hasText(password)) {
			String username = environment.getProperty("spring.data.redis.username");
			if (StringUtils.hasText(username)) {
				builder.withAuthentication(username, password.toCharArray());
			}
			else {
				builder.withPassword(password.toCharArray());
			}
		}
		return builder.build();
	}

}
