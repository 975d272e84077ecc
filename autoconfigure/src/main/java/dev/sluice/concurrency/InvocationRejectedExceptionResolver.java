package dev.sluice.concurrency;

import java.io.IOException;
import java.util.Map;

import dev.sluice.web.ProblemExceptionResolver;
import dev.sluice.web.ProblemResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.resilience.InvocationRejectedException;

/**
 * Answers Spring's {@link InvocationRejectedException}
 * ({@code @ConcurrencyLimit(policy = REJECT)} at its limit) thrown out of a handler like
 * a full pool: {@code 503 Service Unavailable}, {@code Retry-After: 1} and a problem
 * body.
 */
public class InvocationRejectedExceptionResolver extends ProblemExceptionResolver {

	@Override
	protected boolean answer(HttpServletRequest request, HttpServletResponse response, Exception ex)
			throws IOException {
		if (!(ex instanceof InvocationRejectedException)) {
			return false;
		}
		response.setHeader("Retry-After", "1");
		ProblemResponses.write(request, response, 503, "concurrency-limit", "Service Unavailable",
				"The method's concurrency limit is reached", Map.of());
		return true;
	}

}
