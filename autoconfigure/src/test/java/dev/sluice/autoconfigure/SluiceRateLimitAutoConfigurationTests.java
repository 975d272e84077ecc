package dev.sluice.autoconfigure;

import dev.sluice.ratelimit.RateLimitKeyResolver;
import dev.sluice.ratelimit.RateLimiters;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceRateLimitAutoConfigurationTests {

	private static final String[] GOOD_RULE = { "sluice.rate-limit.rules[0].name=api",
			"sluice.rate-limit.rules[0].paths=/api/**", "sluice.rate-limit.rules[0].limits[0].capacity=10",
			"sluice.rate-limit.rules[0].limits[0].refill=10", "sluice.rate-limit.rules[0].limits[0].period=1s" };

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceRateLimitAutoConfiguration.class));

	@Test
	void rulesBecomeRateLimitersAndTheSwitchTurnsThemOff() {
		this.runner.withPropertyValues(GOOD_RULE).run((context) -> {
			assertThat(context.getBean(RateLimiters.class).rules()).extracting("name").containsExactly("api");
			assertThat(context.getBean(RateLimiters.class).tryAcquire("api", "alice").allowed()).isTrue();
		});
		this.runner.withPropertyValues(GOOD_RULE)
			.withPropertyValues("sluice.rate-limit.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(RateLimiters.class));
	}

	@Test
	void aCustomKeyResolverBeanIsReferencedByName() {
		this.runner.withPropertyValues(GOOD_RULE)
			.withPropertyValues("sluice.rate-limit.rules[0].key=bean:tenantKey")
			.withBean("tenantKey", RateLimitKeyResolver.class, () -> (request) -> request.getHeader("X-Tenant"))
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void zeroCapacityRefillOrPeriodFailNamingTheProperty() {
		assertFailure("sluice.rate-limit.rules[0].limits[0].capacity",
				"sluice.rate-limit.rules[0].limits[0].capacity=0");
		assertFailure("sluice.rate-limit.rules[0].limits[0].refill", "sluice.rate-limit.rules[0].limits[0].refill=-1");
		assertFailure("sluice.rate-limit.rules[0].limits[0].period", "sluice.rate-limit.rules[0].limits[0].period=0s");
	}

	@Test
	void unknownKeyKindsAndUnknownBeansFailNamingTheProperty() {
		assertFailure("sluice.rate-limit.rules[0].key", "sluice.rate-limit.rules[0].key=cookie:session");
		assertFailure("sluice.rate-limit.rules[0].key", "sluice.rate-limit.rules[0].key=bean:nowhere");
	}

	@Test
	void malformedCidrsAndPathPatternsFailNamingTheProperty() {
		assertFailure("sluice.rate-limit.client-ip.trusted-proxies[0]",
				"sluice.rate-limit.client-ip.trusted-proxies=10.0.0.0/33");
		assertFailure("sluice.rate-limit.client-ip.trusted-proxies[1]",
				"sluice.rate-limit.client-ip.trusted-proxies=10.0.0.0/8,proxy.internal");
		assertFailure("sluice.rate-limit.rules[0].paths[0]", "sluice.rate-limit.rules[0].paths=/api/{broken");
	}

	@Test
	void aRuleWithoutLimitsOrNameFailsNamingTheProperty() {
		this.runner.withPropertyValues("sluice.rate-limit.rules[0].name=api", "sluice.rate-limit.rules[0].paths=/a")
			.run((context) -> assertThat(property(context.getStartupFailure()))
				.isEqualTo("sluice.rate-limit.rules[0].limits"));
		assertFailure("sluice.rate-limit.rules[0].name", "sluice.rate-limit.rules[0].name=");
	}

	@Test
	void aRuleNameAHeaderCannotCarryFailsNamingTheProperty() {
		assertFailure("sluice.rate-limit.rules[0].name", "sluice.rate-limit.rules[0].name=café");
		assertFailure("sluice.rate-limit.rules[0].name", "sluice.rate-limit.rules[0].name=tab\there");
	}

	@Test
	void zeroMaxKeysFails() {
		assertFailure("sluice.rate-limit.max-keys", "sluice.rate-limit.max-keys=0");
	}

	private void assertFailure(String property, String value) {
		this.runner.withPropertyValues(GOOD_RULE).withPropertyValues(value).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(property(context.getStartupFailure())).isEqualTo(property);
		});
	}

	private static String property(Throwable failure) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof InvalidSluiceConfigurationException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("InvalidSluiceConfigurationException in %s", failure).isNotNull();
		return ((InvalidSluiceConfigurationException) cause).getProperty();
	}

}
