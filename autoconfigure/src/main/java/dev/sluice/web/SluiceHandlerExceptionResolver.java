package dev.sluice.web;

import java.io.IOException;
import java.util.Map;

import dev.sluice.pool.PoolFullException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers Sluice's exceptions thrown out of a handler with their status, headers and a problem body: a full
 * {@link dev.sluice.pool.WorkerPool} is {@code 503} with {@code Retry-After: 1}. Runs after the application's own
 * {@code @ExceptionHandler}s (order 1, Spring MVC's composite resolver is 0), so they can override it.
 */
public class SluiceHandlerExceptionResolver implements HandlerExceptionResolver, Ordered {

	private static final Logger logger = LoggerFactory.getLogger(SluiceHandlerExceptionResolver.class);

	@Override
	public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
			Exception ex) {
		if (!(ex instanceof PoolFullException full) || response.isCommitted()) {
			return null;
		}
		try {
			response.setHeader("Retry-After", "1");
			ProblemResponses.write(request, response, 503, "pool-full", "Service Unavailable", full.getMessage(),
					Map.of("pool", full.getPool()));
		}
		catch (IOException io) {
			logger.debug("Could not write the 503 for a full pool", io);
		}
		return new ModelAndView();
	}

	@Override
	public int getOrder() {
		return 1;
	}

}
