package dev.sluice.ratelimit;

import dev.sluice.web.RequestPaths;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

import dev.sluice.core.CurrentObservation;
import dev.sluice.web.ProblemResponses;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.server.PathContainer;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Bounds the requests in flight on the matching paths, like a Go semaphore around a handler: beyond
 * {@code max-in-flight}, a request is answered {@code 503} with {@code Retry-After: 1} at once, never queued.
 */
public class ConcurrencyLimitFilter extends OncePerRequestFilter {

	private final int maxInFlight;

	private final Semaphore permits;

	private final List<PathPattern> paths;

	private static final Observation.Event REJECTED = Observation.Event.of("sluice.concurrency.rejected",
			"concurrency limit rejected the request");

	private final LongAdder rejected = new LongAdder();

	/**
	 * Creates the filter.
	 * @param maxInFlight the most requests in flight
	 * @param paths the paths it bounds
	 */
	public ConcurrencyLimitFilter(int maxInFlight, List<PathPattern> paths) {
		this.maxInFlight = maxInFlight;
		this.permits = new Semaphore(maxInFlight);
		this.paths = List.copyOf(paths);
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		if (!matches(request)) {
			chain.doFilter(request, response);
			return;
		}
		if (!this.permits.tryAcquire()) {
			this.rejected.increment();
			CurrentObservation.event(REJECTED);
			response.setHeader("Retry-After", "1");
			ProblemResponses.write(request, response, 503, "concurrency-limit", "Service Unavailable",
					"More than " + this.maxInFlight + " requests in flight", Map.of());
			return;
		}
		try {
			chain.doFilter(request, response);
		}
		finally {
			this.permits.release();
		}
	}

	private boolean matches(HttpServletRequest request) {
		PathContainer path = RequestPaths.of(request);
		for (PathPattern pattern : this.paths) {
			if (pattern.matches(path)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Requests in flight on the bounded paths.
	 * @return the count
	 */
	public int getInFlight() {
		return this.maxInFlight - this.permits.availablePermits();
	}

	/**
	 * The bound.
	 * @return {@code max-in-flight}
	 */
	public int getMaxInFlight() {
		return this.maxInFlight;
	}

	/**
	 * Requests refused so far.
	 * @return the count
	 */
	public long getRejected() {
		return this.rejected.sum();
	}

	/**
	 * Registers {@code sluice.concurrency.in_flight} and {@code sluice.concurrency.rejected}.
	 * @param registry the application's registry
	 */
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("sluice.concurrency.in_flight", this, ConcurrencyLimitFilter::getInFlight)
			.description("Requests in flight on the bounded paths")
			.register(registry);
		FunctionCounter.builder("sluice.concurrency.rejected", this.rejected, LongAdder::sum)
			.description("Requests refused because max-in-flight were in flight")
			.register(registry);
	}

}
