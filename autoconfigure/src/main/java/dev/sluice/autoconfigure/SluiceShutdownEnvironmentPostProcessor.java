package dev.sluice.autoconfigure;

import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Defaults that make Spring Boot's own shutdown part of Sluice's: graceful web-server shutdown, and a
 * per-phase timeout equal to {@code sluice.shutdown.timeout}. Added last, so anything the application sets
 * wins.
 */
class SluiceShutdownEnvironmentPostProcessor implements EnvironmentPostProcessor {

	static final String SOURCE_NAME = "sluiceShutdownDefaults";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.getProperty("sluice.shutdown.enabled", Boolean.class, true)) {
			return;
		}
		Map<String, Object> defaults = new HashMap<>();
		defaults.put("server.shutdown", "graceful");
		defaults.put("spring.lifecycle.timeout-per-shutdown-phase", "${sluice.shutdown.timeout:30s}");
		environment.getPropertySources().addLast(new MapPropertySource(SOURCE_NAME, defaults));
	}

}
