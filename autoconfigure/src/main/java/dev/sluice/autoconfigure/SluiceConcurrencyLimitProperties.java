package dev.sluice.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The in-flight request cap, under {@code sluice.concurrency-limit}.
 */
@ConfigurationProperties("sluice.concurrency-limit")
public class SluiceConcurrencyLimitProperties {

	/**
	 * Whether the cap is installed (when max-in-flight is above 0).
	 */
	private boolean enabled = true;

	/**
	 * Most requests in flight on the paths below; more get 503 at once. 0 turns the cap off.
	 */
	private int maxInFlight = 0;

	/**
	 * Path patterns the cap applies to.
	 */
	private List<String> paths = new ArrayList<>(List.of("/**"));

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public int getMaxInFlight() {
		return this.maxInFlight;
	}

	public void setMaxInFlight(int maxInFlight) {
		this.maxInFlight = maxInFlight;
	}

	public List<String> getPaths() {
		return this.paths;
	}

	public void setPaths(List<String> paths) {
		this.paths = paths;
	}

}
