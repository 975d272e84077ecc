package dev.sluice.ratelimit.redis;

import dev.sluice.autoconfigure.InvalidSluiceConfigurationException;
import dev.sluice.autoconfigure.SluiceRateLimitAutoConfiguration;
import dev.sluice.ratelimit.RateLimiters;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lettuce and Spring Boot's Redis module stay optional: without them the memory store
 * starts and no Redis class is loaded (a filtered class loader makes loading one fail the
 * context), and {@code store: redis} says what to add.
 */
class RedisStoreClasspathTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceRateLimitAutoConfiguration.class))
		.withClassLoader(new FilteredClassLoader(RedisClient.class, DataRedisConnectionDetails.class))
		.withPropertyValues("sluice.rate-limit.rules[0].name=api", "sluice.rate-limit.rules[0].paths=/api/**",
				"sluice.rate-limit.rules[0].limits[0].capacity=10", "sluice.rate-limit.rules[0].limits[0].refill=10",
				"sluice.rate-limit.rules[0].limits[0].period=1s");

	@Test
	void withoutRedisOnTheClasspathTheMemoryStoreStarts() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(RateLimiters.class).tryAcquire("api", "alice").allowed()).isTrue();
		});
	}

	@Test
	void storeRedisWithoutItsClassesFailsAtStartUpNamingWhatToAdd() {
		this.runner.withPropertyValues("sluice.rate-limit.store=redis").run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof InvalidSluiceConfigurationException)) {
				cause = cause.getCause();
			}
			assertThat(cause).isNotNull();
			InvalidSluiceConfigurationException invalid = (InvalidSluiceConfigurationException) cause;
			assertThat(invalid.getProperty()).isEqualTo("sluice.rate-limit.store");
			assertThat(invalid.getAction()).contains("spring-boot-starter-data-redis");
		});
	}

}
