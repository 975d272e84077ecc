package dev.sluice.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Graceful shutdown, under {@code sluice.shutdown}.
 */
@ConfigurationProperties("sluice.shutdown")
public class SluiceShutdownProperties {

	/**
	 * Whether Sluice orders the shutdown: readiness, web-server drain, pool drain,
	 * task-group cancellation, report of abandoned tasks and a summary line.
	 */
	private boolean enabled = true;

	/**
	 * Budget of the whole shutdown sequence. Less the readiness delay, it is also the
	 * default of spring.lifecycle.timeout-per-shutdown-phase, which bounds the web
	 * server's drain.
	 */
	private Duration timeout = Duration.ofSeconds(30);

	/**
	 * Time to keep serving after readiness went to REFUSING_TRAFFIC, so load balancers
	 * notice before the server stops accepting. Set it where there is no Kubernetes
	 * preStop hook.
	 */
	private Duration readinessDelay = Duration.ZERO;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

	public Duration getReadinessDelay() {
		return this.readinessDelay;
	}

	public void setReadinessDelay(Duration readinessDelay) {
		this.readinessDelay = readinessDelay;
	}

}
