package dev.sluice.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceShutdownEnvironmentPostProcessorTests {

	private final SluiceShutdownEnvironmentPostProcessor postProcessor = new SluiceShutdownEnvironmentPostProcessor();

	@Test
	void gracefulWebServerShutdownIsSwitchedOnAndEachPhaseIsBoundedByTheBudget() {
		MockEnvironment environment = process(new MockEnvironment());
		assertThat(environment.getProperty("server.shutdown")).isEqualTo("graceful");
		assertThat(environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("30000ms");
	}

	@Test
	void theWebServersDrainGetsWhatTheReadinessDelayLeavesOfTheBudget() {
		MockEnvironment environment = process(new MockEnvironment().withProperty("sluice.shutdown.timeout", "20s")
			.withProperty("sluice.shutdown.readiness-delay", "5s"));
		assertThat(environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("15000ms");
		MockEnvironment delayAsLongAsBudget = process(
				new MockEnvironment().withProperty("sluice.shutdown.timeout", "5s")
					.withProperty("sluice.shutdown.readiness-delay", "5s"));
		assertThat(delayAsLongAsBudget.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("1000ms");
	}

	@Test
	void whatTheApplicationSetsWins() {
		MockEnvironment environment = process(new MockEnvironment().withProperty("server.shutdown", "immediate")
			.withProperty("spring.lifecycle.timeout-per-shutdown-phase", "7s"));
		assertThat(environment.getProperty("server.shutdown")).isEqualTo("immediate");
		assertThat(environment.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("7s");
	}

	@Test
	void nothingIsChangedWhenSluiceShutdownIsOff() {
		MockEnvironment environment = process(new MockEnvironment().withProperty("sluice.shutdown.enabled", "false"));
		assertThat(environment.getProperty("server.shutdown")).isNull();
		assertThat(environment.getPropertySources().contains(SluiceShutdownEnvironmentPostProcessor.SOURCE_NAME))
			.isFalse();
	}

	@Test
	void aMalformedBudgetLeavesThePlainDefaultForStartUpValidationToReport() {
		MockEnvironment environment = process(new MockEnvironment().withProperty("sluice.shutdown.timeout", "soon"));
		assertThat(environment.getPropertySources()
			.get(SluiceShutdownEnvironmentPostProcessor.SOURCE_NAME)
			.getProperty("spring.lifecycle.timeout-per-shutdown-phase")).isEqualTo("${sluice.shutdown.timeout:30s}");
	}

	private MockEnvironment process(MockEnvironment environment) {
		this.postProcessor.postProcessEnvironment(environment, new SpringApplication());
		return environment;
	}

}
