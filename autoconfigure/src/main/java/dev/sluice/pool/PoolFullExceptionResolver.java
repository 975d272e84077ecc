package dev.sluice.pool;

import java.io.IOException;
import java.util.Map;

import dev.sluice.web.ProblemExceptionResolver;
import dev.sluice.web.ProblemResponses;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Answers a {@link PoolFullException} thrown out of a handler with
 * {@code 503 Service Unavailable}, {@code Retry-After: 1} and a problem body naming the
 * pool.
 */
public class PoolFullExceptionResolver extends ProblemExceptionResolver {

	@Override
	protected boolean answer(HttpServletRequest request, HttpServletResponse response, Exception ex)
			throws IOException {
		if (!(ex instanceof PoolFullException full)) {
			return false;
		}
		response.setHeader("Retry-After", "1");
		ProblemResponses.write(request, response, 503, "pool-full", "Service Unavailable", full.getMessage(),
				Map.of("pool", full.getPool()));
		return true;
	}

}
