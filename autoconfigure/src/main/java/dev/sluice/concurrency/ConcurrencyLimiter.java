package dev.sluice.concurrency;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * Admits at most {@link #getLimit() the current limit} of operations at once and never
 * queues: a fixed limit (a Go semaphore, {@code max-in-flight}) or an adaptive one that a
 * Netflix concurrency-limits {@link Limit} algorithm moves with the latency and drops it
 * is told about.
 * <p>
 * The limit and the in-flight count share one atomic word, so an admission compares the
 * count with the limit in force at that instant: no operation is ever admitted beyond it,
 * from any number of threads. When the limit falls below the operations already running,
 * they finish; new ones are refused until the count is under the limit again.
 */
public final class ConcurrencyLimiter {

	private static final long IN_FLIGHT_MASK = 0xFFFF_FFFFL;

	private final String algorithmName;

	private final Limit algorithm;

	private final Object view;

	private final int minLimit;

	private final int maxLimit;

	/** The limit in the high 32 bits, the operations in flight in the low 32 bits. */
	private final AtomicLong state;

	private final boolean constant; // a fixed limit: no samples, so no clock read

	private final LongAdder rejected = new LongAdder();

	private final LongAdder succeeded = new LongAdder();

	private final LongAdder dropped = new LongAdder();

	private final LongAdder ignored = new LongAdder();

	private volatile long lastRttNanos;

	private ConcurrencyLimiter(String algorithmName, Limit algorithm, @Nullable Object view, int minLimit,
			int maxLimit) {
		this.algorithmName = algorithmName;
		this.algorithm = algorithm;
		this.view = view;
		this.minLimit = minLimit;
		this.maxLimit = maxLimit;
		this.state = new AtomicLong((long) clamp(algorithm.getLimit()) << 32);
		this.constant = algorithm instanceof ConstantLimit;
		algorithm.notifyOnChange(this::limitChanged);
	}

	/**
	 * A limiter whose limit never moves.
	 * @param limit the most operations at once, 1 or more
	 * @return the limiter
	 */
	public static ConcurrencyLimiter fixed(int limit) {
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be 1 or more, not " + limit);
		}
		return new ConcurrencyLimiter("fixed", new ConstantLimit(limit), null, limit, limit);
	}

	/**
	 * A limiter that an algorithm moves, kept within {@code [minLimit, maxLimit]}
	 * whatever the algorithm says (Vegas, for one, has no lower bound of its own).
	 * @param algorithmName the algorithm's name, as in {@code adaptive.algorithm}
	 * @param algorithm the algorithm that turns samples into a limit
	 * @param view the algorithm object whose state {@link #describe()} reports (the one
	 * inside a window, if any), if any
	 * @param minLimit the lowest limit
	 * @param maxLimit the highest limit
	 * @return the limiter
	 */
	public static ConcurrencyLimiter adaptive(String algorithmName, Limit algorithm, @Nullable Object view,
			int minLimit, int maxLimit) {
		if (minLimit < 1 || maxLimit < minLimit) {
			throw new IllegalArgumentException("need 1 <= minLimit <= maxLimit, not " + minLimit + ", " + maxLimit);
		}
		return new ConcurrencyLimiter(algorithmName, algorithm, view, minLimit, maxLimit);
	}

	/**
	 * Admits one operation if fewer than the limit are in flight.
	 * @return the permit to release when the operation ends, {@code null} when the limit
	 * is reached (the refusal is counted)
	 */
	public @Nullable Permit tryAcquire() {
		while (true) {
			long current = this.state.get();
			int limit = (int) (current >>> 32);
			int inFlight = (int) (current & IN_FLIGHT_MASK);
			if (inFlight >= limit) {
				this.rejected.increment();
				return null;
			}
			if (this.state.compareAndSet(current, current + 1)) {
				return new Permit(this, this.constant ? 0 : System.nanoTime(), inFlight + 1, limit);
			}
		}
	}

	private void release(Permit permit, Outcome outcome) {
		this.state.decrementAndGet();
		if (this.constant) {
			return;
		}
		switch (outcome) {
			case IGNORED -> this.ignored.increment();
			case SUCCEEDED, DROPPED -> {
				long rtt = Math.max(1, System.nanoTime() - permit.startNanos);
				this.lastRttNanos = rtt;
				boolean drop = outcome == Outcome.DROPPED;
				(drop ? this.dropped : this.succeeded).increment();
				this.algorithm.onSample(permit.startNanos, rtt, permit.inFlight, drop);
			}
		}
	}

	private void limitChanged(int newLimit) {
		long limitBits = (long) clamp(newLimit) << 32;
		this.state.updateAndGet((current) -> limitBits | (current & IN_FLIGHT_MASK));
	}

	private int clamp(int limit) {
		return Math.max(this.minLimit, Math.min(this.maxLimit, limit));
	}

	/**
	 * The limit in force now.
	 * @return the most operations admitted at once
	 */
	public int getLimit() {
		return (int) (this.state.get() >>> 32);
	}

	/**
	 * The operations admitted and not yet released.
	 * @return the count
	 */
	public int getInFlight() {
		return (int) (this.state.get() & IN_FLIGHT_MASK);
	}

	/**
	 * Operations refused so far.
	 * @return the count
	 */
	public long getRejected() {
		return this.rejected.sum();
	}

	/**
	 * Whether the limit moves by itself.
	 * @return {@code false} for a fixed limit
	 */
	public boolean isAdaptive() {
		return !(this.algorithm instanceof ConstantLimit);
	}

	/**
	 * The algorithm's name.
	 * @return {@code fixed}, {@code gradient2}, {@code vegas}, {@code aimd} or the name
	 * it was built with
	 */
	public String getAlgorithm() {
		return this.algorithmName;
	}

	/**
	 * The limiter's state for the Actuator endpoint: mode, limit, in flight, refused and,
	 * when adaptive, the algorithm's view (samples by outcome, the last latency and what
	 * the algorithm reports of itself).
	 * @return the state, as JSON-friendly values
	 */
	public Map<String, Object> describe() {
		Map<String, Object> described = new LinkedHashMap<>();
		described.put("mode", isAdaptive() ? "adaptive" : "fixed");
		described.put("limit", getLimit());
		described.put("inFlight", getInFlight());
		described.put("rejected", getRejected());
		if (isAdaptive()) {
			Map<String, Object> algorithm = new LinkedHashMap<>();
			algorithm.put("name", this.algorithmName);
			algorithm.put("minLimit", this.minLimit);
			algorithm.put("maxLimit", this.maxLimit);
			algorithm.put("succeeded", this.succeeded.sum());
			algorithm.put("dropped", this.dropped.sum());
			algorithm.put("ignored", this.ignored.sum());
			algorithm.put("lastRttMillis", millis(this.lastRttNanos));
			if (this.view instanceof Gradient2Limit gradient) {
				algorithm.put("longRttMillis", millis(gradient.getRttNoLoad(TimeUnit.NANOSECONDS)));
			}
			if (this.view != null) {
				algorithm.put("state", this.view.toString());
			}
			described.put("algorithm", algorithm);
		}
		return described;
	}

	private static double millis(long nanos) {
		return Math.round(nanos / 10_000.0) / 100.0;
	}

	/**
	 * Registers {@code sluice.concurrency.limit}, {@code sluice.concurrency.in_flight}
	 * and {@code sluice.concurrency.rejected}.
	 * @param registry the application's registry
	 */
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("sluice.concurrency.limit", this, ConcurrencyLimiter::getLimit)
			.description("The current concurrency limit (fixed or adaptive)")
			.register(registry);
		Gauge.builder("sluice.concurrency.in_flight", this, ConcurrencyLimiter::getInFlight)
			.description("Requests in flight on the bounded paths")
			.register(registry);
		FunctionCounter.builder("sluice.concurrency.rejected", this.rejected, LongAdder::sum)
			.description("Requests refused because the concurrency limit was reached")
			.register(registry);
	}

	private enum Outcome {

		SUCCEEDED, DROPPED, IGNORED

	}

	/**
	 * One admitted operation. Release it exactly once, with the call that says how it
	 * ended; later calls do nothing.
	 */
	public static final class Permit implements Limiter.Listener {

		private static final AtomicIntegerFieldUpdater<Permit> RELEASED = AtomicIntegerFieldUpdater
			.newUpdater(Permit.class, "released");

		private final ConcurrencyLimiter limiter;

		private final long startNanos;

		private final int inFlight;

		private final int limit;

		private volatile int released;

		private Permit(ConcurrencyLimiter limiter, long startNanos, int inFlight, int limit) {
			this.limiter = limiter;
			this.startNanos = startNanos;
			this.inFlight = inFlight;
			this.limit = limit;
		}

		/**
		 * The operations in flight when this one was admitted, itself included.
		 * @return the count
		 */
		public int inFlightAtAdmission() {
			return this.inFlight;
		}

		/**
		 * The limit in force when this operation was admitted.
		 * @return the limit
		 */
		public int limitAtAdmission() {
			return this.limit;
		}

		/** The operation succeeded: its latency is a sample. */
		@Override
		public void onSuccess() {
			release(Outcome.SUCCEEDED);
		}

		/** The operation says nothing about the service's capacity: no sample. */
		@Override
		public void onIgnore() {
			release(Outcome.IGNORED);
		}

		/**
		 * The operation timed out or failed on the server's side: a drop, which lowers
		 * the limit.
		 */
		@Override
		public void onDropped() {
			release(Outcome.DROPPED);
		}

		private void release(Outcome outcome) {
			if (RELEASED.compareAndSet(this, 0, 1)) {
				this.limiter.release(this, outcome);
			}
		}

	}

	/** The fixed mode's algorithm: a limit that never changes and takes no samples. */
	private static final class ConstantLimit implements Limit {

		private final int limit;

		ConstantLimit(int limit) {
			this.limit = limit;
		}

		@Override
		public int getLimit() {
			return this.limit;
		}

		@Override
		public void notifyOnChange(java.util.function.Consumer<Integer> consumer) {
		}

		@Override
		public void onSample(long startTime, long rtt, int inflight, boolean didDrop) {
		}

	}

}
