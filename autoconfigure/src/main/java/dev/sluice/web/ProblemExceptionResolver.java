package dev.sluice.web;

import java.io.IOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Base of the Spring MVC resolvers with which each capability answers its own exceptions
 * thrown out of a handler, with a status, headers and a {@link ProblemResponses problem
 * body}. They run after the application's own {@code @ExceptionHandler}s (Spring MVC's
 * composite resolver is order 0), so those can override them.
 */
public abstract class ProblemExceptionResolver implements HandlerExceptionResolver, Ordered {

	/** Order of the resolvers that answer one exception type of their capability. */
	public static final int ORDER = 1;

	private static final Logger logger = LoggerFactory.getLogger(ProblemExceptionResolver.class);

	@Override
	public final ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
			Exception ex) {
		if (response.isCommitted()) {
			return null;
		}
		try {
			return answer(request, response, ex) ? new ModelAndView() : null;
		}
		catch (IOException io) {
			logger.debug("Could not write the answer to {}", ex.toString(), io);
			return new ModelAndView();
		}
	}

	/**
	 * Writes the answer to {@code ex} if it is this resolver's to answer.
	 * @param request the request
	 * @param response the response, not committed
	 * @param ex what the handler threw
	 * @return whether the answer was written
	 * @throws IOException if the body cannot be written
	 */
	protected abstract boolean answer(HttpServletRequest request, HttpServletResponse response, Exception ex)
			throws IOException;

	@Override
	public int getOrder() {
		return ORDER;
	}

}
