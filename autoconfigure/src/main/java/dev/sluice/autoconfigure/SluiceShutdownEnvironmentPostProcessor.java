package dev.sluice.autoconfigure;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults that make Spring Boot's own shutdown part of Sluice's: graceful web-server
 * shutdown, and a per-phase timeout equal to what {@code sluice.shutdown.timeout} leaves
 * after {@code readiness-delay}, so the web server's drain fits in the budget. Added
 * last, so anything the application sets wins.
 */
class SluiceShutdownEnvironmentPostProcessor implements EnvironmentPostProcessor {

	static final String SOURCE_NAME = "sluiceShutdownDefaults";

	private static final Duration SHORTEST_PHASE = Duration.ofSeconds(1);

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.getProperty("sluice.shutdown.enabled", Boolean.class, true)) {
			return;
		}
		Map<String, Object> defaults = new HashMap<>();
		defaults.put("server.shutdown", "graceful");
		defaults.put("spring.lifecycle.timeout-per-shutdown-phase", phaseTimeout(environment));
		environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, defaults));
	}

	private static String phaseTimeout(Environment environment) {
		try {
			Binder binder = Binder.get(environment);
			Duration timeout = binder.bind("sluice.shutdown.timeout", Duration.class).orElse(Duration.ofSeconds(30));
			Duration delay = binder.bind("sluice.shutdown.readiness-delay", Duration.class).orElse(Duration.ZERO);
			Duration left = delay.isNegative() ? timeout : timeout.minus(delay);
			return ((left.compareTo(SHORTEST_PHASE) < 0) ? SHORTEST_PHASE : left).toMillis() + "ms";
		}
		catch (RuntimeException ex) {
			// A malformed value fails at start-up naming its property; here it only costs
			// the refinement.
			return "${sluice.shutdown.timeout:30s}";
		}
	}

}
