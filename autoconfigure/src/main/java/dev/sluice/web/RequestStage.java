package dev.sluice.web;

import java.io.IOException;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * One capability's part of Sluice's request path (in-flight tracking, the rate limit, the
 * concurrency limit, the deadline), run by {@link SluiceRequestFilter} one after another
 * within a single servlet filter, or on its own by the capability's filter.
 */
@FunctionalInterface
public interface RequestStage {

	/**
	 * Runs the stage for one request: either answers the request itself and returns, or
	 * passes it on with {@code pass.doFilter(request, response)}, exactly once, to the
	 * next stage or the rest of the filter chain.
	 * @param request the request
	 * @param response the response
	 * @param pass the request's way through the stages, and its path read once for all of
	 * them
	 * @throws IOException from the rest of the chain
	 * @throws ServletException from the rest of the chain
	 */
	void apply(HttpServletRequest request, HttpServletResponse response, RequestPass pass)
			throws IOException, ServletException;

}
