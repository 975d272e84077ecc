package dev.sluice.shutdown;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts requests in flight, and those that finished after shutdown began: the "requests drained" of the
 * shutdown summary.
 */
public class InFlightRequests extends OncePerRequestFilter {

	private final AtomicInteger inFlight = new AtomicInteger();

	private final LongAdder drained = new LongAdder();

	private volatile boolean draining;

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		this.inFlight.incrementAndGet();
		try {
			chain.doFilter(request, response);
		}
		finally {
			this.inFlight.decrementAndGet();
			if (this.draining) {
				this.drained.increment();
			}
		}
	}

	/** Marks the start of the shutdown: requests that finish from now on count as drained. */
	void startDraining() {
		this.draining = true;
	}

	/**
	 * Requests being served now.
	 * @return the count
	 */
	public int getInFlight() {
		return this.inFlight.get();
	}

	/**
	 * Requests that finished after shutdown began.
	 * @return the count
	 */
	public long getDrained() {
		return this.drained.sum();
	}

}
