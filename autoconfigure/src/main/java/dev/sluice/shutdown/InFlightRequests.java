package dev.sluice.shutdown;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import dev.sluice.web.RequestPass;
import dev.sluice.web.RequestStage;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;

/**
 * Counts requests in flight, and those that finished after shutdown began: the "requests
 * drained" of the shutdown summary. Once shutdown has begun, every HTTP/1.1 response it
 * can still change carries {@code Connection: close}, so a keep-alive client opens its
 * next request elsewhere instead of sending it into a connection that is about to close.
 * <p>
 * It runs as the first stage of the {@link dev.sluice.web.SluiceRequestFilter}, before
 * the rate limit, so a refused request counts too; on its own it is a plain servlet
 * filter. Either way it counts the {@code REQUEST} dispatch only (the async, forward and
 * error dispatches of the same request pass straight through), with no per-request marker
 * attribute.
 */
public class InFlightRequests implements Filter, RequestStage {

	private static final String HTTP_1_1 = "HTTP/1.1";

	private final AtomicInteger inFlight = new AtomicInteger();

	private final LongAdder drained = new LongAdder();

	private volatile boolean draining;

	@Override
	public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
			throws ServletException, IOException {
		if (!(servletRequest instanceof HttpServletRequest request)
				|| !(servletResponse instanceof HttpServletResponse response)
				|| request.getDispatcherType() != DispatcherType.REQUEST) {
			chain.doFilter(servletRequest, servletResponse);
			return;
		}
		track(request, response, chain);
	}

	@Override
	public void apply(HttpServletRequest request, HttpServletResponse response, RequestPass pass)
			throws IOException, ServletException {
		track(request, response, pass);
	}

	private void track(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		this.inFlight.incrementAndGet();
		try {
			closeConnectionIfDraining(request, response);
			chain.doFilter(request, response);
		}
		finally {
			this.inFlight.decrementAndGet();
			if (this.draining) {
				// Set again for requests that were running when shutdown began, unless
				// already committed.
				closeConnectionIfDraining(request, response);
				this.drained.increment();
			}
		}
	}

	private void closeConnectionIfDraining(HttpServletRequest request, HttpServletResponse response) {
		// HTTP/2 forbids the header (and multiplexes); HTTP/1.0 closes by default.
		if (this.draining && !response.isCommitted() && HTTP_1_1.equals(request.getProtocol())) {
			response.setHeader(HttpHeaders.CONNECTION, "close");
		}
	}

	/**
	 * Marks the start of the shutdown: requests that finish from now on count as drained.
	 */
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
