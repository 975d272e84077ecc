package dev.sluice.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The in-flight request cap, under {@code sluice.concurrency-limit}: fixed
 * ({@code max-in-flight}) or adaptive (a Netflix concurrency-limits algorithm moves it
 * with the measured latency).
 */
@ConfigurationProperties("sluice.concurrency-limit")
public class SluiceConcurrencyLimitProperties {

	/**
	 * Whether the cap is installed (mode fixed: when max-in-flight is above 0).
	 */
	private boolean enabled = true;

	/**
	 * How the limit is set: fixed (max-in-flight) or adaptive (moved by the adaptive
	 * algorithm).
	 */
	private Mode mode = Mode.FIXED;

	/**
	 * Mode fixed: most requests in flight on the paths below; more get 503 at once. 0
	 * turns the cap off.
	 */
	private int maxInFlight = 0;

	/**
	 * Path patterns the cap applies to.
	 */
	private List<String> paths = new ArrayList<>(List.of("/**"));

	private final Adaptive adaptive = new Adaptive();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Mode getMode() {
		return this.mode;
	}

	public void setMode(Mode mode) {
		this.mode = mode;
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

	public Adaptive getAdaptive() {
		return this.adaptive;
	}

	/**
	 * How the limit is set.
	 */
	public enum Mode {

		/** A fixed limit, max-in-flight (0: no cap). */
		FIXED,

		/**
		 * A limit that moves with the measured latency and drops, within min-limit and
		 * max-limit.
		 */
		ADAPTIVE

	}

	/**
	 * The algorithm of mode adaptive.
	 */
	public enum Algorithm {

		/**
		 * Netflix Gradient2: compares recent latency with a long-term average; reacts to
		 * latency only.
		 */
		GRADIENT2,

		/**
		 * TCP Vegas: estimates the queue from the minimum latency; cuts the limit on
		 * drops.
		 */
		VEGAS,

		/**
		 * Additive increase, multiplicative decrease: grows until a drop or a latency
		 * above aimd.timeout.
		 */
		AIMD

	}

	/**
	 * Mode adaptive: Netflix concurrency-limits (concurrency-limits-core).
	 */
	public static class Adaptive {

		/**
		 * The algorithm that moves the limit.
		 */
		private Algorithm algorithm = Algorithm.GRADIENT2;

		/**
		 * The limit at start-up, before any sample.
		 */
		private int initialLimit = 20;

		/**
		 * The limit never falls below this.
		 */
		private int minLimit = 4;

		/**
		 * The limit never rises above this.
		 */
		private int maxLimit = 500;

		private final Gradient2 gradient2 = new Gradient2();

		private final Vegas vegas = new Vegas();

		private final Aimd aimd = new Aimd();

		public Algorithm getAlgorithm() {
			return this.algorithm;
		}

		public void setAlgorithm(Algorithm algorithm) {
			this.algorithm = algorithm;
		}

		public int getInitialLimit() {
			return this.initialLimit;
		}

		public void setInitialLimit(int initialLimit) {
			this.initialLimit = initialLimit;
		}

		public int getMinLimit() {
			return this.minLimit;
		}

		public void setMinLimit(int minLimit) {
			this.minLimit = minLimit;
		}

		public int getMaxLimit() {
			return this.maxLimit;
		}

		public void setMaxLimit(int maxLimit) {
			this.maxLimit = maxLimit;
		}

		public Gradient2 getGradient2() {
			return this.gradient2;
		}

		public Vegas getVegas() {
			return this.vegas;
		}

		public Aimd getAimd() {
			return this.aimd;
		}

	}

	/**
	 * Tunables of algorithm gradient2.
	 */
	public static class Gradient2 {

		/**
		 * How much slower than the long-term latency a window may be before the limit
		 * falls (1.5: 50% slower).
		 */
		private double rttTolerance = 1.0;

		/**
		 * How far each update moves the limit towards its new estimate, above 0 and at
		 * most 1.
		 */
		private double smoothing = 0.2;

		/**
		 * Requests allowed to queue beyond what the long-term latency explains; the
		 * limit's growth per window.
		 */
		private int queueSize = 2;

		/**
		 * Updates (one per window) over which the long-term latency is averaged.
		 */
		private int longWindow = 600;

		/**
		 * The limit is updated once per window, from the average latency of its requests
		 * (at least 100ms).
		 */
		private Duration window = Duration.ofSeconds(1);

		/**
		 * Fewest requests a window needs to update the limit (at least 10); quieter
		 * windows are skipped.
		 */
		private int windowSamples = 10;

		public double getRttTolerance() {
			return this.rttTolerance;
		}

		public void setRttTolerance(double rttTolerance) {
			this.rttTolerance = rttTolerance;
		}

		public double getSmoothing() {
			return this.smoothing;
		}

		public void setSmoothing(double smoothing) {
			this.smoothing = smoothing;
		}

		public int getQueueSize() {
			return this.queueSize;
		}

		public void setQueueSize(int queueSize) {
			this.queueSize = queueSize;
		}

		public int getLongWindow() {
			return this.longWindow;
		}

		public void setLongWindow(int longWindow) {
			this.longWindow = longWindow;
		}

		public Duration getWindow() {
			return this.window;
		}

		public void setWindow(Duration window) {
			this.window = window;
		}

		public int getWindowSamples() {
			return this.windowSamples;
		}

		public void setWindowSamples(int windowSamples) {
			this.windowSamples = windowSamples;
		}

	}

	/**
	 * Tunables of algorithm vegas.
	 */
	public static class Vegas {

		/**
		 * How far each update moves the limit towards its new estimate, above 0 and at
		 * most 1.
		 */
		private double smoothing = 1.0;

		/**
		 * The minimum latency is measured afresh about every probe-multiplier x limit
		 * samples.
		 */
		private int probeMultiplier = 30;

		public double getSmoothing() {
			return this.smoothing;
		}

		public void setSmoothing(double smoothing) {
			this.smoothing = smoothing;
		}

		public int getProbeMultiplier() {
			return this.probeMultiplier;
		}

		public void setProbeMultiplier(int probeMultiplier) {
			this.probeMultiplier = probeMultiplier;
		}

	}

	/**
	 * Tunables of algorithm aimd.
	 */
	public static class Aimd {

		/**
		 * What a drop multiplies the limit by, from 0.5 up to (not including) 1.
		 */
		private double backoffRatio = 0.9;

		/**
		 * A request slower than this counts as a drop.
		 */
		private Duration timeout = Duration.ofSeconds(5);

		public double getBackoffRatio() {
			return this.backoffRatio;
		}

		public void setBackoffRatio(double backoffRatio) {
			this.backoffRatio = backoffRatio;
		}

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

	}

}
