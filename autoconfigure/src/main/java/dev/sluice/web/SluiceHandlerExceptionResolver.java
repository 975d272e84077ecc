package dev.sluice.web;

import java.io.IOException;
import java.util.Map;

import dev.sluice.deadline.Deadline;
import dev.sluice.deadline.DeadlineExceededException;
import dev.sluice.deadline.DeadlineFilter;
import dev.sluice.deadline.DeadlineRoutes;
import dev.sluice.pool.PoolFullException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;
import org.springframework.resilience.InvocationRejectedException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers Sluice's exceptions thrown out of a handler with their status, headers and a problem body: a full
 * {@link dev.sluice.pool.WorkerPool} is {@code 503} with {@code Retry-After: 1}, and so is Spring's
 * {@link InvocationRejectedException} ({@code @ConcurrencyLimit(policy = REJECT)} at its limit); a
 * {@link DeadlineExceededException} (also as the cause of another exception) is {@code sluice.deadline.status}.
 * Runs after the application's own {@code @ExceptionHandler}s (order 1; Spring MVC's composite resolver is 0), so
 * they can override it.
 */
public class SluiceHandlerExceptionResolver implements HandlerExceptionResolver, Ordered {

	/** Request attribute set when a handler's {@link DeadlineExceededException} was answered. */
	public static final String DEADLINE_ANSWERED_ATTRIBUTE = SluiceHandlerExceptionResolver.class.getName()
			+ ".deadlineAnswered";

	private static final Logger logger = LoggerFactory.getLogger(SluiceHandlerExceptionResolver.class);

	private final int deadlineStatus;

	/**
	 * Creates the resolver.
	 * @param deadlineStatus the status of a passed deadline, 504 or 503
	 */
	public SluiceHandlerExceptionResolver(int deadlineStatus) {
		this.deadlineStatus = deadlineStatus;
	}

	@Override
	public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
			Exception ex) {
		if (response.isCommitted()) {
			return null;
		}
		try {
			if (ex instanceof PoolFullException full) {
				response.setHeader("Retry-After", "1");
				ProblemResponses.write(request, response, 503, "pool-full", "Service Unavailable",
						full.getMessage(), Map.of("pool", full.getPool()));
				return new ModelAndView();
			}
			if (ex instanceof InvocationRejectedException) {
				response.setHeader("Retry-After", "1");
				ProblemResponses.write(request, response, 503, "concurrency-limit", "Service Unavailable",
						"The method's concurrency limit is reached", Map.of());
				return new ModelAndView();
			}
			Object deadline = request.getAttribute(DeadlineFilter.DEADLINE_ATTRIBUTE);
			boolean expired = deadline instanceof Deadline requestDeadline && requestDeadline.isExpired();
			if (causedByDeadline(ex) || expired) {
				// Whatever a handler threw once its deadline passed (an interrupt, an I/O error from an interrupted
				// client, a cancelled query) is the deadline's doing.
				request.setAttribute(DEADLINE_ANSWERED_ATTRIBUTE, Boolean.TRUE);
				Object route = request.getAttribute(DeadlineFilter.ROUTE_ATTRIBUTE);
				if (route instanceof DeadlineRoutes.Route matched && deadline instanceof Deadline requestDeadline) {
					matched.countExceeded();
					DeadlineFilter.writeProblem(request, response, this.deadlineStatus, requestDeadline, matched);
				}
				else {
					ProblemResponses.write(request, response, this.deadlineStatus, "deadline-exceeded",
							(this.deadlineStatus == 503) ? "Service Unavailable" : "Gateway Timeout",
							ex.getMessage(), Map.of());
				}
				return new ModelAndView();
			}
		}
		catch (IOException io) {
			logger.debug("Could not write the answer to {}", ex.toString(), io);
			return new ModelAndView();
		}
		return null;
	}

	// A client library may wrap the deadline's exception (a gRPC stub's StatusRuntimeException carries it as cause).
	private static boolean causedByDeadline(Throwable ex) {
		Throwable cause = ex;
		for (int depth = 0; cause != null && depth < 8; depth++) {
			if (cause instanceof DeadlineExceededException) {
				return true;
			}
			cause = cause.getCause();
		}
		return false;
	}

	@Override
	public int getOrder() {
		return 1;
	}

}
