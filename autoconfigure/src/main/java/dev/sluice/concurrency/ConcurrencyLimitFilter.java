package dev.sluice.concurrency;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import dev.sluice.core.CurrentObservation;
import dev.sluice.web.ProblemResponses;
import dev.sluice.web.RequestPass;
import dev.sluice.web.RequestPathPatterns;
import dev.sluice.web.RequestStage;
import io.micrometer.observation.Observation;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.util.DisconnectedClientHelper;
import org.springframework.web.util.pattern.PathPattern;

/**
 * Bounds the requests in flight on the matching paths, like a Go semaphore around a
 * handler: beyond the {@link ConcurrencyLimiter}'s current limit, a request is answered
 * {@code 503} with {@code Retry-After: 1} at once, never queued.
 * <p>
 * How a request ends is what an adaptive limit learns from: an answer below 400 is a
 * latency sample; a 5xx answer (a passed deadline's 504 included) or an exception out of
 * the chain is a drop; a 4xx answer, a client that went away and an async request (whose
 * permit is released when its first dispatch returns) give no sample.
 * <p>
 * A plain servlet filter that acts on the {@code REQUEST} dispatch only (the async,
 * forward and error dispatches of the same request pass straight through), with no
 * per-request marker attribute; {@code /**} and literal paths are matched without parsing
 * the path ({@link RequestPathPatterns}). It runs as a stage of the
 * {@link dev.sluice.web.SluiceRequestFilter}, after the rate limit.
 */
public class ConcurrencyLimitFilter implements Filter, RequestStage {

	/**
	 * Request attribute holding the request's {@link ConcurrencyLimiter.Permit} from its
	 * admission on. It is not removed when the permit is released (the container drops it
	 * with the request): one attribute call per request, not two.
	 */
	public static final String PERMIT_ATTRIBUTE = ConcurrencyLimitFilter.class.getName() + ".permit";

	private static final Observation.Event REJECTED = Observation.Event.of("sluice.concurrency.rejected",
			"concurrency limit rejected the request");

	private final ConcurrencyLimiter limiter;

	private final RequestPathPatterns paths;

	/**
	 * Creates the filter.
	 * @param limiter the limiter that admits requests
	 * @param paths the paths it bounds
	 */
	public ConcurrencyLimitFilter(ConcurrencyLimiter limiter, List<PathPattern> paths) {
		this.limiter = limiter;
		this.paths = RequestPathPatterns.of(paths);
	}

	@Override
	public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
			throws ServletException, IOException {
		RequestPass.runAlone(this, servletRequest, servletResponse, chain);
	}

	@Override
	public void apply(HttpServletRequest request, HttpServletResponse response, RequestPass pass)
			throws IOException, ServletException {
		if (!this.paths.matches(pass)) {
			pass.doFilter(request, response);
			return;
		}
		ConcurrencyLimiter.Permit permit = this.limiter.tryAcquire();
		if (permit == null) {
			CurrentObservation.event(REJECTED);
			int limit = this.limiter.getLimit();
			response.setHeader("Retry-After", "1");
			ProblemResponses.write(request, response, 503, "concurrency-limit", "Service Unavailable",
					"More than " + limit + " requests in flight", Map.of("limit", limit));
			return;
		}
		request.setAttribute(PERMIT_ATTRIBUTE, permit);
		try {
			pass.doFilter(request, response);
		}
		catch (IOException | ServletException | RuntimeException | Error ex) {
			if (DisconnectedClientHelper.isClientDisconnectedException(ex)) {
				permit.onIgnore();
			}
			else {
				permit.onDropped();
			}
			throw ex;
		}
		release(permit, request, response);
	}

	private static void release(ConcurrencyLimiter.Permit permit, HttpServletRequest request,
			HttpServletResponse response) {
		int status = response.getStatus();
		if (request.isAsyncStarted() || (status >= 400 && status < 500)) {
			permit.onIgnore();
		}
		else if (status >= 500) {
			permit.onDropped();
		}
		else {
			permit.onSuccess();
		}
	}

	/**
	 * The limiter behind the filter.
	 * @return the limiter
	 */
	public ConcurrencyLimiter getLimiter() {
		return this.limiter;
	}

}
