package dev.sluice.deadline;

import java.io.IOException;
import java.util.Map;

import dev.sluice.web.ProblemExceptionResolver;
import dev.sluice.web.ProblemResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Answers a {@link DeadlineExceededException} thrown out of a handler (also as the cause
 * of another exception), and whatever a handler threw once its request's deadline had
 * passed, with {@code sluice.deadline.status} and a problem body. Runs after the other
 * capabilities' resolvers, which answer their own exceptions first.
 */
public class DeadlineExceptionResolver extends ProblemExceptionResolver {

	/**
	 * Request attribute set when a handler's {@link DeadlineExceededException} was
	 * answered.
	 */
	public static final String DEADLINE_ANSWERED_ATTRIBUTE = DeadlineExceptionResolver.class.getName()
			+ ".deadlineAnswered";

	private final int status;

	/**
	 * Creates the resolver.
	 * @param status the status of a passed deadline, 504 or 503
	 */
	public DeadlineExceptionResolver(int status) {
		this.status = status;
	}

	@Override
	protected boolean answer(HttpServletRequest request, HttpServletResponse response, Exception ex)
			throws IOException {
		Object deadline = request.getAttribute(DeadlineFilter.DEADLINE_ATTRIBUTE);
		boolean expired = deadline instanceof Deadline requestDeadline && requestDeadline.isExpired();
		if (!causedByDeadline(ex) && !expired) {
			return false;
		}
		// Whatever a handler threw once its deadline passed (an interrupt, an I/O error
		// from an interrupted
		// client, a cancelled query) is the deadline's doing.
		request.setAttribute(DEADLINE_ANSWERED_ATTRIBUTE, Boolean.TRUE);
		Object route = request.getAttribute(DeadlineFilter.ROUTE_ATTRIBUTE);
		if (route instanceof DeadlineRoutes.Route matched && deadline instanceof Deadline requestDeadline) {
			matched.countExceeded();
			DeadlineFilter.writeProblem(request, response, this.status, requestDeadline, matched);
		}
		else {
			ProblemResponses.write(request, response, this.status, "deadline-exceeded",
					(this.status == 503) ? "Service Unavailable" : "Gateway Timeout", ex.getMessage(), Map.of());
		}
		return true;
	}

	// A client library may wrap the deadline's exception (a gRPC stub's
	// StatusRuntimeException carries it as cause).
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
		return ORDER + 1;
	}

}
