package dev.sluice.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.safety.HandlerSafetyMode;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The start-up check of singleton beans for shared mutable state, under
 * {@code sluice.handler-safety}.
 */
@ConfigurationProperties("sluice.handler-safety")
public class SluiceHandlerSafetyProperties {

	/**
	 * What to do with shared mutable state found in singleton beans: warn (one log line
	 * per finding), fail (start-up fails listing every finding) or off.
	 */
	private HandlerSafetyMode mode = HandlerSafetyMode.WARN;

	/**
	 * Packages whose singleton beans are inspected, sub-packages included. Empty for the
	 * application's own packages (those of its @SpringBootApplication class).
	 */
	private List<String> packages = new ArrayList<>();

	public HandlerSafetyMode getMode() {
		return this.mode;
	}

	public void setMode(HandlerSafetyMode mode) {
		this.mode = mode;
	}

	public List<String> getPackages() {
		return this.packages;
	}

	public void setPackages(List<String> packages) {
		this.packages = packages;
	}

}
