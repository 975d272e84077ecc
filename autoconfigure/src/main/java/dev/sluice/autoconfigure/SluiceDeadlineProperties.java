package dev.sluice.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Request deadlines, under {@code sluice.deadline}: one deadline per request, passed down
 * to outgoing HTTP calls, JDBC statements, task groups and (when asked) worker-pool
 * tasks.
 */
@ConfigurationProperties("sluice.deadline")
public class SluiceDeadlineProperties {

	/**
	 * Whether every request gets a deadline.
	 */
	private boolean enabled = true;

	/**
	 * Time a request may take when no route matches.
	 */
	private Duration defaultTimeout = Duration.ofSeconds(10);

	/**
	 * Per-route timeouts; the first route with a matching path wins.
	 */
	private List<Route> routes = new ArrayList<>();

	/**
	 * Header carrying a budget in milliseconds: read from requests (it may only shorten
	 * the timeout; malformed or negative values are ignored) and set on outgoing
	 * RestClient, RestTemplate and WebClient calls to the remaining time. Empty for none.
	 */
	private String header = "X-Request-Timeout-Ms";

	/**
	 * Headers read from requests for a budget, the smallest valid one winning (each may
	 * only shorten the timeout; malformed, negative or overlong values are ignored). Each
	 * is in milliseconds (such as Envoy's x-envoy-expected-rq-timeout-ms), except
	 * grpc-timeout and entries written "Name:grpc", which are in the grpc-timeout format
	 * (250m, 2S); "Name:ms" says milliseconds explicitly. Empty: the header alone.
	 */
	private List<String> inboundHeaders = new ArrayList<>();

	/**
	 * Whether the remaining budget at request start, in milliseconds, is put in the MDC
	 * as "deadline".
	 */
	private boolean mdc;

	/**
	 * Whether the handler thread is interrupted when the deadline passes.
	 */
	private boolean interrupt = true;

	/**
	 * Status of a request whose deadline passed: 504 (gateway convention) or 503 (Go's
	 * TimeoutHandler).
	 */
	private int status = 504;

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getDefaultTimeout() {
		return this.defaultTimeout;
	}

	public void setDefaultTimeout(Duration defaultTimeout) {
		this.defaultTimeout = defaultTimeout;
	}

	public List<Route> getRoutes() {
		return this.routes;
	}

	public void setRoutes(List<Route> routes) {
		this.routes = routes;
	}

	public String getHeader() {
		return this.header;
	}

	public void setHeader(String header) {
		this.header = header;
	}

	public List<String> getInboundHeaders() {
		return this.inboundHeaders;
	}

	public void setInboundHeaders(List<String> inboundHeaders) {
		this.inboundHeaders = inboundHeaders;
	}

	public boolean isMdc() {
		return this.mdc;
	}

	public void setMdc(boolean mdc) {
		this.mdc = mdc;
	}

	public boolean isInterrupt() {
		return this.interrupt;
	}

	public void setInterrupt(boolean interrupt) {
		this.interrupt = interrupt;
	}

	public int getStatus() {
		return this.status;
	}

	public void setStatus(int status) {
		this.status = status;
	}

	/**
	 * A route with its own timeout.
	 */
	public static class Route {

		/**
		 * Path patterns of the route (Spring PathPattern syntax).
		 */
		private List<String> paths = new ArrayList<>();

		/**
		 * Time a request on this route may take.
		 */
		private Duration timeout;

		public List<String> getPaths() {
			return this.paths;
		}

		public void setPaths(List<String> paths) {
			this.paths = paths;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

}
