package dev.sluice.autoconfigure;

import java.util.Map;

import dev.sluice.concurrency.ConcurrencyLimitFilter;
import dev.sluice.concurrency.ConcurrencyLimiter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceConcurrencyLimitAutoConfigurationTests {

	private static final String ADAPTIVE = "sluice.concurrency-limit.mode=adaptive";

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceConcurrencyLimitAutoConfiguration.class));

	@Test
	void byDefaultThereIsNoCap() {
		this.runner.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(ConcurrencyLimiter.class)
			.doesNotHaveBean(ConcurrencyLimitFilter.class));
	}

	@Test
	void maxInFlightInstallsAFixedLimit() {
		this.runner.withPropertyValues("sluice.concurrency-limit.max-in-flight=3").run((context) -> {
			ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
			assertThat(limiter.isAdaptive()).isFalse();
			assertThat(limiter.getLimit()).isEqualTo(3);
			assertThat(context).hasSingleBean(ConcurrencyLimitFilter.class);
		});
	}

	@Test
	void adaptiveModeStartsGradient2AtTheSpecDefaults() {
		this.runner.withPropertyValues(ADAPTIVE).run((context) -> {
			ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
			assertThat(limiter.isAdaptive()).isTrue();
			assertThat(limiter.getAlgorithm()).isEqualTo("gradient2");
			assertThat(limiter.getLimit()).isEqualTo(20);
			@SuppressWarnings("unchecked")
			Map<String, Object> algorithm = (Map<String, Object>) limiter.describe().get("algorithm");
			assertThat(algorithm).containsEntry("minLimit", 4).containsEntry("maxLimit", 500);
		});
	}

	@Test
	void eachAlgorithmCanBeChosenAndStartsAtTheInitialLimit() {
		for (String algorithm : new String[] { "gradient2", "vegas", "aimd" }) {
			this.runner
				.withPropertyValues(ADAPTIVE, "sluice.concurrency-limit.adaptive.algorithm=" + algorithm,
						"sluice.concurrency-limit.adaptive.initial-limit=7")
				.run((context) -> {
					ConcurrencyLimiter limiter = context.getBean(ConcurrencyLimiter.class);
					assertThat(limiter.getAlgorithm()).isEqualTo(algorithm);
					assertThat(limiter.getLimit()).isEqualTo(7);
				});
		}
	}

	@Test
	void theSwitchTurnsTheCapOffAndAnApplicationLimiterReplacesSluices() {
		this.runner.withPropertyValues(ADAPTIVE, "sluice.concurrency-limit.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ConcurrencyLimiter.class));
		ConcurrencyLimiter own = ConcurrencyLimiter.fixed(9);
		this.runner.withPropertyValues(ADAPTIVE)
			.withBean(ConcurrencyLimiter.class, () -> own)
			.run((context) -> assertThat(context.getBean(ConcurrencyLimitFilter.class).getLimiter()).isSameAs(own));
	}

	@Test
	void minAboveMaxAZeroLimitOrAnInitialLimitOutsideThemFailNamingTheProperty() {
		String prefix = "sluice.concurrency-limit.adaptive.";
		assertFailure(prefix + "min-limit", ADAPTIVE, prefix + "min-limit=50", prefix + "max-limit=10",
				prefix + "initial-limit=20");
		assertFailure(prefix + "min-limit", ADAPTIVE, prefix + "min-limit=0");
		assertFailure(prefix + "max-limit", ADAPTIVE, prefix + "max-limit=0");
		assertFailure(prefix + "initial-limit", ADAPTIVE, prefix + "initial-limit=0");
		assertFailure(prefix + "initial-limit", ADAPTIVE, prefix + "initial-limit=600");
	}

	@Test
	void badTunablesFailNamingTheProperty() {
		String prefix = "sluice.concurrency-limit.adaptive.";
		assertFailure(prefix + "gradient2.rtt-tolerance", ADAPTIVE, prefix + "gradient2.rtt-tolerance=0.9");
		assertFailure(prefix + "gradient2.smoothing", ADAPTIVE, prefix + "gradient2.smoothing=0");
		assertFailure(prefix + "gradient2.queue-size", ADAPTIVE, prefix + "gradient2.queue-size=-1");
		assertFailure(prefix + "gradient2.long-window", ADAPTIVE, prefix + "gradient2.long-window=0");
		assertFailure(prefix + "gradient2.window", ADAPTIVE, prefix + "gradient2.window=50ms");
		assertFailure(prefix + "gradient2.window-samples", ADAPTIVE, prefix + "gradient2.window-samples=5");
		assertFailure(prefix + "vegas.smoothing", ADAPTIVE, prefix + "algorithm=vegas", prefix + "vegas.smoothing=1.5");
		assertFailure(prefix + "vegas.probe-multiplier", ADAPTIVE, prefix + "algorithm=vegas",
				prefix + "vegas.probe-multiplier=0");
		assertFailure(prefix + "aimd.backoff-ratio", ADAPTIVE, prefix + "algorithm=aimd",
				prefix + "aimd.backoff-ratio=1");
		assertFailure(prefix + "aimd.timeout", ADAPTIVE, prefix + "algorithm=aimd", prefix + "aimd.timeout=0s");
	}

	@Test
	void anUnknownAlgorithmOrModeFailsBindingNamingTheProperty() {
		this.runner.withPropertyValues(ADAPTIVE, "sluice.concurrency-limit.adaptive.algorithm=bbr")
			.run((context) -> assertThat(boundProperty(context.getStartupFailure()))
				.isEqualTo("sluice.concurrency-limit.adaptive.algorithm"));
		this.runner.withPropertyValues("sluice.concurrency-limit.mode=auto")
			.run((context) -> assertThat(boundProperty(context.getStartupFailure()))
				.isEqualTo("sluice.concurrency-limit.mode"));
	}

	@Test
	void aNegativeMaxInFlightOrAMalformedPathFailNamingTheProperty() {
		assertFailure("sluice.concurrency-limit.max-in-flight", "sluice.concurrency-limit.max-in-flight=-1");
		assertFailure("sluice.concurrency-limit.paths[0]", "sluice.concurrency-limit.max-in-flight=1",
				"sluice.concurrency-limit.paths=/{x");
	}

	private void assertFailure(String property, String... values) {
		this.runner.withPropertyValues(values).run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof InvalidSluiceConfigurationException)) {
				cause = cause.getCause();
			}
			assertThat(cause).as("InvalidSluiceConfigurationException in %s", context.getStartupFailure()).isNotNull();
			assertThat(((InvalidSluiceConfigurationException) cause).getProperty()).isEqualTo(property);
		});
	}

	private static String boundProperty(Throwable failure) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof BindException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("BindException in %s", failure).isNotNull();
		return ((BindException) cause).getName().toString();
	}

}
